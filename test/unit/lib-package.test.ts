/**
 * What the npm package ships for a web developer (after `npm run build`, which `npm test` runs first): the ESM
 * library with its .d.ts (a TypeScript page that imports 'gansynth-web' type-checks against them), and the two
 * files the element loads besides itself, each self-contained (no bare imports a browser could not resolve).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

const REPO = resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { main: string; types: string };

test('package.json main and types point at built files', () => {
  assert.ok(existsSync(join(REPO, pkg.main)), `${pkg.main} missing: run npm run build`);
  assert.ok(existsSync(join(REPO, pkg.types)), `${pkg.types} missing: run npm run build`);
});

test('dist/render-worker.js and dist/worklet/processor.js are self-contained', () => {
  for (const f of ['dist/render-worker.js', 'dist/worklet/processor.js']) {
    const text = readFileSync(join(REPO, f), 'utf8');
    const bare = [...text.matchAll(/(?:^|[;\n])\s*(?:import|export)\s[^;'"]*?from\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!).filter((s) => !/^(\.|\/|data:|https?:)/.test(s));
    assert.deepEqual(bare, [], `${f} imports ${bare.join(', ')}`);
  }
  assert.match(readFileSync(join(REPO, 'dist/render-worker.js'), 'utf8'), /registerKernel|kernelName/, 'render-worker.js should include tfjs');
});

test('a TypeScript page using the element and the engine type-checks against dist/index.d.ts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gsw-consumer-'));
  try {
    writeFileSync(join(dir, 'page.ts'), [
      "import { GansynthInstrument, NoteRenderer, randomLatent, type Preset } from 'gansynth-web';",
      "const el = document.createElement('gansynth-instrument') as GansynthInstrument;",
      'el.noteOn(60, 100, 0.5);',
      'el.noteOff(60);',
      'const z: Float32Array = randomLatent(1);',
      "const p: Preset | undefined = undefined;",
      'export { NoteRenderer, z, p };',
      '// @ts-expect-error noteOn takes a number pitch',
      "el.noteOn('C4');",
    ].join('\n'));
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        strict: true, module: 'ESNext', moduleResolution: 'Bundler', target: 'ES2022', lib: ['ES2022', 'DOM'], noEmit: true,
        skipLibCheck: true, types: [], baseUrl: '.', paths: { 'gansynth-web': [join(REPO, pkg.types)], '*': [join(REPO, 'node_modules/*')] },
      },
      files: ['page.ts'],
    }));
    const tsc = join(resolve(createRequire(import.meta.url).resolve('typescript'), '../..'), 'bin/tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8' });
    assert.equal(r.status, 0, `tsc: ${r.stdout}${r.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
