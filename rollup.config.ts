/**
 * Builds (STYLE.md §10): the ESM library (every bare import external; its .d.ts come from `tsc -p
 * src/tsconfig.lib.json` in `npm run build`) with the Node modules the `gansynth` CLI and the trainer import by name
 * (src/{shared,engine,midi,node}/**, package.json "exports"), the trainer's own JavaScript (trainer/dist, the
 * `gansynth-trainer` package), the AudioWorklet processor and the render Worker as self-contained files, and the
 * demo page (everything bundled) that `npm start` serves. The repository itself runs the TypeScript sources through
 * tsx; these builds are what the packed packages run.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Plugin, RollupOptions } from 'rollup';
import esbuild from 'rollup-plugin-esbuild';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import commonjs from '@rollup/plugin-commonjs';

const ts = () => esbuild({ target: 'es2022', tsconfig: 'tsconfig.base.json' });
const onwarn: RollupOptions['onwarn'] = (w, warn) => {
  // tfjs ships `this` at module top level and circular imports; both are harmless. A module of types only
  // (engine/worker-protocol.ts) is an empty chunk in the library build, as it should be.
  if (w.code === 'THIS_IS_UNDEFINED' || w.code === 'CIRCULAR_DEPENDENCY' || w.code === 'EMPTY_BUNDLE') return;
  warn(w);
};

/**
 * tfjs-backend-wasm's Emscripten glue imports Node built-ins it only uses under Node; in the browser bundle they
 * resolve to an empty module (otherwise the page fails with "Failed to resolve module specifier fs").
 */
const emptyNodeBuiltins: Plugin = {
  name: 'empty-node-builtins',
  resolveId: (id) => (/^(node:)?(fs|path|os|crypto|worker_threads|perf_hooks|url|util)$/.test(id) ? '\0empty' : null),
  load: (id) => (id === '\0empty' ? 'export default {};' : null),
};

/** The .ts modules under `dir`, recursively (no tests, no declarations), as absolute paths. */
function modulesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.endsWith('.test.ts'))
    .map((f) => resolve(dir, f))
    .sort();
}

/** A package build leaves every bare import (a dependency, `node:*`, `gansynth-web/...`) to the installer. */
const bareImport = (id: string, _importer: string | undefined, isResolved: boolean): boolean =>
  !isResolved && !/^(\.|\/|\0)/.test(id);

/**
 * tfjs-core's gradient configs (src/engine/invert-gradients.ts) are ESM with extensionless relative imports, which
 * plain Node cannot load from node_modules; the library build bundles them (and the tfjs-core modules they import,
 * which share tfjs's engine and registries through its globals) instead of leaving them to the installer.
 */
const TFJS_GRADIENT_MODULE = /^@tensorflow\/tfjs-core\/dist\/gradients\//;
const libraryExternal = (id: string, importer: string | undefined, isResolved: boolean): boolean =>
  !TFJS_GRADIENT_MODULE.test(id) && !(importer?.includes('/node_modules/') && /^\./.test(id)) && bareImport(id, importer, isResolved);

// The outputs start empty: a module left from an earlier build (a renamed or deleted source) would be packed.
for (const out of ['dist', 'trainer/dist']) rmSync(out, { recursive: true, force: true });

const builds: RollupOptions[] = [];
if (existsSync('src/index.ts')) {
  builds.push({
    input: [resolve('src/index.ts'), ...['shared', 'engine', 'midi', 'node'].flatMap((d) => modulesUnder(join('src', d)))],
    output: {
      dir: 'dist', format: 'es', sourcemap: true, preserveModules: true, preserveModulesRoot: 'src',
      // The bundled tfjs-core modules go to dist/vendor/: npm pack drops every folder named node_modules.
      entryFileNames: (chunk) => (chunk.name.includes('node_modules/') ? `${chunk.name.replace(/^(.*\/)?node_modules\//, 'vendor/')}.js` : '[name].js'),
    },
    external: libraryExternal,
    plugins: [ts(), nodeResolve({ extensions: ['.js'] })],
    onwarn,
  });
}
if (existsSync('trainer/src/cli.ts')) {
  builds.push({
    input: modulesUnder('trainer/src'),
    output: { dir: 'trainer/dist', format: 'es', sourcemap: true, preserveModules: true, preserveModulesRoot: 'trainer/src' },
    external: bareImport,
    plugins: [ts()],
    onwarn,
  });
}
if (existsSync('src/worklet/processor.ts')) {
  builds.push({
    input: 'src/worklet/processor.ts',
    output: { file: 'dist/worklet/processor.js', format: 'es', sourcemap: true },
    plugins: [ts()],
    onwarn,
  });
}
if (existsSync('src/engine/worker.ts')) {
  // The library's render Worker, self-contained (tfjs included) so a page points worker-url at one file.
  builds.push({
    input: 'src/engine/worker.ts',
    output: { file: 'dist/render-worker.js', format: 'es', sourcemap: true, inlineDynamicImports: true },
    plugins: [emptyNodeBuiltins, nodeResolve({ browser: true }), commonjs(), ts()],
    onwarn,
  });
}
if (existsSync('src/wam/index.ts')) {
  // The WAM plugin (src/wam/README.md): what a host loads by URL, so each file is self-contained. Its descriptor and
  // tfjs-backend-wasm's .wasm files are copied beside it (dist/wam/descriptor.json, dist/wasm/).
  const copies: Plugin = {
    name: 'wam-files',
    writeBundle() {
      mkdirSync('dist/wam', { recursive: true });
      for (const f of ['descriptor.json', 'thumbnail.png']) copyFileSync(join('src/wam', f), join('dist/wam', f));
      const wasmDir = 'node_modules/@tensorflow/tfjs-backend-wasm/dist';
      mkdirSync('dist/wasm', { recursive: true });
      for (const f of readdirSync(wasmDir).filter((n) => n.endsWith('.wasm'))) copyFileSync(join(wasmDir, f), join('dist/wasm', f));
    },
  };
  builds.push({
    input: 'src/wam/index.ts',
    output: { file: 'dist/wam/index.js', format: 'es', sourcemap: true, inlineDynamicImports: true },
    plugins: [emptyNodeBuiltins, nodeResolve({ browser: true }), commonjs(), ts(), copies],
    onwarn,
  });
  builds.push({
    // The demo's WAM host page (demo/wam-host.html): the SDK's host helper, nothing of ours (it loads the plugin by URL).
    input: 'demo/wam-host.ts',
    output: { file: 'dist/demo/wam-host.js', format: 'es', sourcemap: true },
    plugins: [nodeResolve({ browser: true }), ts()],
    onwarn,
  });
  builds.push({
    input: 'src/wam/processor.ts',
    output: { file: 'dist/wam/processor.js', format: 'es', sourcemap: true },
    plugins: [ts()],
    onwarn,
  });
}
if (existsSync('demo/main.ts')) {
  builds.push({
    input: { main: 'demo/main.ts', ...(existsSync('src/engine/worker.ts') ? { 'render-worker': 'src/engine/worker.ts' } : {}) },
    output: { dir: 'dist/demo', format: 'es', sourcemap: true, entryFileNames: '[name].js' },
    plugins: [emptyNodeBuiltins, nodeResolve({ browser: true }), commonjs(), ts()],
    onwarn,
  });
}
export default builds;
