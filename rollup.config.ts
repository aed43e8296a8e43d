/**
 * Builds (STYLE.md §10): the ESM library (tfjs and lit external; its .d.ts come from `tsc -p src/tsconfig.lib.json`
 * in `npm run build`), the AudioWorklet processor and the render Worker as self-contained files, and the demo page
 * (everything bundled) that `npm start` serves.
 */
import { existsSync } from 'node:fs';
import type { Plugin, RollupOptions } from 'rollup';
import esbuild from 'rollup-plugin-esbuild';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import commonjs from '@rollup/plugin-commonjs';

const ts = () => esbuild({ target: 'es2022', tsconfig: 'tsconfig.base.json' });
const onwarn: RollupOptions['onwarn'] = (w, warn) => {
  // tfjs ships `this` at module top level and circular imports; both are harmless.
  if (w.code === 'THIS_IS_UNDEFINED' || w.code === 'CIRCULAR_DEPENDENCY') return;
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

const builds: RollupOptions[] = [];
if (existsSync('src/index.ts')) {
  builds.push({
    input: 'src/index.ts',
    output: { dir: 'dist', format: 'es', sourcemap: true, preserveModules: true, preserveModulesRoot: 'src' },
    external: (id) => /^@tensorflow\/|^lit($|\/)|^webmidi$|^@tonejs\//.test(id),
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
if (existsSync('demo/main.ts')) {
  builds.push({
    input: { main: 'demo/main.ts', ...(existsSync('src/engine/worker.ts') ? { 'render-worker': 'src/engine/worker.ts' } : {}) },
    output: { dir: 'dist/demo', format: 'es', sourcemap: true, entryFileNames: '[name].js' },
    plugins: [emptyNodeBuiltins, nodeResolve({ browser: true }), commonjs(), ts()],
    onwarn,
  });
}
export default builds;
