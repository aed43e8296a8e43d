/**
 * The two packages as a user gets them (issue 11 §2): `npm pack` of gansynth-web and gansynth-trainer (built by
 * `npm run build`, which `npm test` runs first), both tarballs installed into an empty project with `--omit=dev`,
 * then the installed commands run from their built JavaScript (no tsx, no sources), and the README's "Use it in
 * your page" snippet type-checks against the installed typings. Everything lives in one temporary folder; npm's
 * own cache is the only thing kept. Skips, saying so, only when the npm registry cannot be reached.
 */
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initGeneratorParams } from '../../src/engine/generator.ts';
import { useNodeBackend } from '../../src/node/backends.ts';
import { saveModelDir } from '../../src/node/model-io.ts';
import { TINY_CONFIG } from '../../src/shared/model-config.ts';
import { decodeWav } from '../../src/shared/wav.ts';
import { readmeSection, codeBlock } from './readme.ts';

const REPO = resolve(import.meta.dirname, '../..');
const TSC = join(resolve(createRequire(import.meta.url).resolve('typescript'), '../..'), 'bin/tsc');

/**
 * The environment of the npm and npx children: without the variables the outer `npm test` sets about this
 * repository (npm_config_local_prefix would make the inner `npm install` install into it); the user's npm settings
 * (registry, cache, certificates) stay.
 */
const childEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) =>
  !/^npm_(package_|lifecycle_|command$|config_local_prefix$|config_workspaces?$|config_include_workspace_root$)/i.test(k)));

function run(cmd: string, args: string[], cwd: string, timeoutMs = 180_000): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, env: childEnv, encoding: 'utf8', timeout: timeoutMs });
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  assert.equal(r.status, 0, `${what} failed (exit ${r.status}${r.error ? `, ${r.error.message}` : ''}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Why the registry cannot be reached, or null when `npm ping` answers (no retries: a refusal fails at once). */
function registryUnreachable(): string | null {
  const r = run('npm', ['ping', '--fetch-retries=0', '--fetch-timeout=20000'], tmpdir(), 30_000);
  if (r.status === 0) return null;
  if (r.error) return `the npm registry cannot be reached (npm ping: ${r.error.message})`;
  const lines = r.stderr.trim().split('\n');
  return `the npm registry cannot be reached (npm ping: ${lines.find((l) => /reason:/.test(l)) ?? lines.find((l) => /error/i.test(l)) ?? lines.at(-1)})`;
}

const unreachable = registryUnreachable();
const skip = unreachable ?? false;
const dir = mkdtempSync(join(tmpdir(), 'gsw-install-'));
const project = join(dir, 'project');
after(() => rmSync(dir, { recursive: true, force: true }));

/** `npm pack` of one package folder into dir (already built: no prepack here); its file list. */
function pack(folder: string): { filename: string; files: string[] } {
  const out = ok(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], folder), `npm pack in ${folder}`);
  const [info] = JSON.parse(out) as { filename: string; files: { path: string }[] }[];
  return { filename: join(dir, info!.filename), files: info!.files.map((f) => f.path) };
}

let web: { filename: string; files: string[] };
let trainer: { filename: string; files: string[] };

before(() => {
  if (unreachable) return;
  for (const f of ['dist/node/cli/index.js', 'dist/index.d.ts', 'trainer/dist/cli.js', 'custom-elements.json']) {
    assert.ok(existsSync(join(REPO, f)), `${f} missing: run npm run build`);
  }
  web = pack(REPO);
  trainer = pack(join(REPO, 'trainer'));
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'gsw-install-test', private: true, type: 'module' }));
  ok(run('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', web.filename, trainer.filename], project, 300_000), 'npm install of the tarballs');
});

test('the tarballs hold built JavaScript and no sources; the install has no dev tools', { skip }, () => {
  for (const f of ['bin/gansynth.js', 'dist/node/cli/index.js', 'dist/node/cli/generate.js', 'dist/index.d.ts', 'dist/ui/gansynth-instrument.d.ts', 'custom-elements.json', 'models/default/model.json',
    'dist/wam/index.js', 'dist/wam/index.d.ts', 'dist/wam/processor.js', 'dist/wam/descriptor.json', 'dist/render-worker.js', 'dist/wasm/tfjs-backend-wasm-simd.wasm']) {
    assert.ok(web.files.includes(f), `gansynth-web's tarball lacks ${f}`);
  }
  for (const f of ['bin/gansynth-trainer.js', 'dist/cli.js', 'dist/commands/dataset.js', 'dist/data/render-worker.js']) {
    assert.ok(trainer.files.includes(f), `gansynth-trainer's tarball lacks ${f}`);
  }
  // The trainer is its own JavaScript only (one built module per source file); the library comes by name.
  const built = trainer.files.filter((f) => f.startsWith('dist/') && f.endsWith('.js')).map((f) => f.slice(5, -3)).sort();
  const trainerSources = readdirSync(join(REPO, 'trainer/src'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).sort();
  assert.deepEqual(built, trainerSources, "gansynth-trainer's dist is not its own sources, built one for one");
  const sources = [...web.files, ...trainer.files].filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
  assert.deepEqual(sources, [], 'TypeScript sources in a tarball');
  assert.deepEqual(web.files.filter((f) => f.startsWith('dist/demo/')), [], 'the demo page in the tarball');
  for (const devTool of ['tsx', 'typescript', 'rollup']) {
    assert.ok(!existsSync(join(project, 'node_modules', devTool)), `${devTool} was installed with --omit=dev`);
  }
});

test('the installed commands list their commands (found as built .js files)', { skip }, () => {
  // `--help` prints the usage and exits 0.
  assert.match(ok(run('npx', ['--no-install', 'gansynth', '--help'], project), 'npx gansynth --help'), /^\s+generate\s.*\n\s+invert\s.*\n\s+render\s/m);
  const trainerHelp = ok(run('npx', ['--no-install', 'gansynth-trainer', '--help'], project), 'npx gansynth-trainer --help');
  for (const c of ['dataset', 'train', 'export', 'eval']) assert.match(trainerHelp, new RegExp(`^\\s+${c}\\s`, 'm'), `gansynth-trainer --help lacks ${c}`);
});

test('npx gansynth generate runs from the installed package (a tiny model, wasm backend)', { skip }, async () => {
  const model = join(dir, 'tiny-model');
  await useNodeBackend('cpu');
  const params = initGeneratorParams(TINY_CONFIG, 11);
  await saveModelDir(model, { config: TINY_CONFIG, params, meta: { name: 'tiny install test' } });
  tf.dispose(Object.values(params));
  const out = join(project, 'notes');
  const args = ['--no-install', 'gansynth', 'generate', '--model', model, '--pitch', '60', '--seed', '3', '--out', out, '--backend', 'wasm'];
  const stdout = ok(run('npx', args, project), 'npx gansynth generate');
  assert.match(stdout, /tiny install test/, 'the first lines name the model');
  assert.deepEqual(readdirSync(out), ['gansynth-p60-s3.wav']);
  const wav = decodeWav(readFileSync(join(out, 'gansynth-p60-s3.wav')));
  assert.ok(wav.channels[0]!.length > 0 && wav.channels[0]!.some((v) => v !== 0), 'a silent or empty note');
});

test('npx gansynth invert runs from the installed package (tfjs-core gradient modules bundled in dist/vendor)', { skip }, () => {
  const preset = join(project, 'preset.json');
  const args = ['--no-install', 'gansynth', 'invert', join(project, 'notes', 'gansynth-p60-s3.wav'), '--model', join(dir, 'tiny-model'),
    '--out', preset, '--steps', '1', '--starts', '1', '--backend', 'wasm'];
  const stdout = ok(run('npx', args, project), 'npx gansynth invert');
  assert.match(stdout, /final spectral distance [\d.]+ dB/);
  const bank = JSON.parse(readFileSync(preset, 'utf8')) as { presets: { name: string; latent: number[] }[] };
  assert.equal(bank.presets[0]!.name, 'gansynth-p60-s3');
  assert.equal(bank.presets[0]!.latent.length, 256);
});

test('npx gansynth-trainer dataset --limit 4 renders four notes from the installed package', { skip }, () => {
  const out = join(project, 'dataset');
  ok(run('npx', ['--no-install', 'gansynth-trainer', 'dataset', '--limit', '4', '--out', out, '--no-progress'], project), 'npx gansynth-trainer dataset');
  const report = JSON.parse(readFileSync(join(out, 'dataset.json'), 'utf8')) as { counts: { planned: number; rendered: number } };
  assert.equal(report.counts.planned, 4);
  assert.equal(report.counts.rendered, 4);
  const wavs = ['train', 'valid', 'test'].flatMap((s) => readdirSync(join(out, `nsynth-${s}`, 'audio')));
  assert.equal(wavs.length, 4);
});

test('custom-elements.json is shipped, named in package.json, and describes <gansynth-instrument>', { skip }, () => {
  const pkgDir = join(project, 'node_modules/gansynth-web');
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { customElements?: string };
  assert.ok(pkg.customElements, 'package.json has no "customElements"');
  type Decl = { tagName?: string; attributes?: { name: string }[]; events?: { name: string }[] };
  const manifest = JSON.parse(readFileSync(join(pkgDir, pkg.customElements), 'utf8')) as { modules: { declarations?: Decl[] }[] };
  const decl = manifest.modules.flatMap((m) => m.declarations ?? []).find((d) => d.tagName === 'gansynth-instrument');
  assert.ok(decl, 'no gansynth-instrument in custom-elements.json');
  const attributes = (decl.attributes ?? []).map((a) => a.name);
  for (const a of ['model', 'worker-url', 'volume', 'midi-input']) assert.ok(attributes.includes(a), `attribute ${a} missing: ${attributes.join(', ')}`);
  const events = (decl.events ?? []).map((e) => e.name);
  for (const e of ['ready', 'bank-ready', 'model-loaded']) assert.ok(events.includes(e), `event ${e} missing: ${events.join(', ')}`);
});

test("the README's 'Use it in your page' snippet type-checks against the installed package", { skip }, () => {
  const snippet = codeBlock(readmeSection(readFileSync(join(REPO, 'README.md'), 'utf8'), 'Use it in your page'), 'ts');
  const page = join(project, 'page');
  mkdirSync(page);
  writeFileSync(join(page, 'page.ts'), [
    snippet,
    // Typed, not any: HTMLElementTagNameMap maps the tag to the class.
    "// @ts-expect-error noteOn takes a MIDI pitch number",
    "document.createElement('gansynth-instrument').noteOn('C4');",
    '',
  ].join('\n'));
  writeFileSync(join(page, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      strict: true, target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', lib: ['ES2022', 'DOM', 'DOM.Iterable'],
      types: [], noEmit: true, skipLibCheck: true,
    },
    files: ['page.ts', 'wam.ts'],
  }));
  // The WAM entry is typed too: a host written in TypeScript sees a WebAudioModule class.
  writeFileSync(join(page, 'wam.ts'), [
    "import GansynthWam from 'gansynth-web/wam';",
    'export const isWam: boolean = GansynthWam.isWebAudioModuleConstructor;',
    "export const make = (ctx: BaseAudioContext) => GansynthWam.createInstance('group', ctx, { lowPitch: 48 });",
    '',
  ].join('\n'));
  ok(run(process.execPath, [TSC, '-p', page], project), 'tsc on the README snippet and a WAM host file');
});
