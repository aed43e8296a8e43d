/**
 * Fixtures of the instrument's browser tests, made by the tests themselves: a seeded tiny model directory,
 * the voice worklet and the render Worker bundled from source, and the page opened with fake Web MIDI.
 */
import { join } from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { TINY_CONFIG } from '../src/shared/model-config.ts';
import { initGeneratorParams } from '../src/engine/generator.ts';
import { saveModelDir } from '../src/node/model-io.ts';
import { REPO_ROOT, TEST_OUT_DIR, openTestPage, type OpenedPage } from './browser-harness.ts';
import { installFakeMidi } from './fake-midi.ts';
import type { Mount } from '../scripts/static-server.ts';

/** Bank range of the instrument tests (8 pitches render in a few seconds on wasm) and the attributes that set it. */
export const TEST_LOW = 57;
export const TEST_HIGH = 64;
export const TEST_ATTRS = { backend: 'wasm', 'wasm-path': '/wasm/', low: String(TEST_LOW), high: String(TEST_HIGH) };

/** Where the fixtures live. */
export const FIXTURE_DIR = join(TEST_OUT_DIR, 'instrument');

/** Writes the tiny seeded model (untrained, marked so) and returns its directory. */
export async function writeTinyModel(seed = 7): Promise<string> {
  const dir = join(FIXTURE_DIR, 'tiny-model');
  await tf.setBackend('cpu');
  const params = initGeneratorParams(TINY_CONFIG, seed);
  try {
    await saveModelDir(dir, { config: TINY_CONFIG, params, meta: { name: 'tiny test model', untrained: true, seed } });
  } finally {
    Object.values(params).forEach((t) => t.dispose());
  }
  return dir;
}

/** Bundles the worklet processor and the render Worker from source into `static/`; returns that folder. */
export async function bundleRuntime(): Promise<string> {
  const out = join(FIXTURE_DIR, 'static');
  const common: BuildOptions = {
    bundle: true, format: 'esm', platform: 'browser', target: 'es2022', logLevel: 'error',
    external: ['fs', 'path', 'worker_threads', 'perf_hooks', 'os', 'crypto'],
    define: { 'process.env.NODE_ENV': '"production"' },
  };
  await build({ ...common, entryPoints: [join(REPO_ROOT, 'src/worklet/processor.ts')], outfile: join(out, 'worklet/processor.js') });
  await build({ ...common, entryPoints: [join(REPO_ROOT, 'src/engine/worker.ts')], outfile: join(out, 'render-worker.js') });
  return out;
}

/**
 * Opens the instrument test page with the tiny model at /tiny/, the runtime at /worklet/ and /static/, and
 * `extraMounts` (e.g. the repo's models/ for a bench).
 */
export async function openInstrumentPage(opts: { extraMounts?: Mount[]; extraArgs?: string[] } = {}): Promise<OpenedPage> {
  const [modelDir, staticDir] = await Promise.all([writeTinyModel(), bundleRuntime()]);
  const opened = await openTestPage(join(REPO_ROOT, 'support/pages/instrument-page.ts'), {
    ...(opts.extraArgs ? { extraArgs: opts.extraArgs } : {}),
    extraMounts: [
      ...(opts.extraMounts ?? []),
      { prefix: '/tiny/', dir: modelDir },
      { prefix: '/worklet/', dir: join(staticDir, 'worklet') },
      { prefix: '/static/', dir: staticDir },
    ],
  });
  // The harness has navigated already: add the fake MIDI backend and load the page again under it.
  // As source text: tsx compiles this file with helpers (`__name`) that do not exist in the page.
  await opened.page.addInitScript({ content: `var __name = (f) => f; (${installFakeMidi.toString()})();` });
  await opened.page.reload();
  await opened.page.waitForFunction(() => 'gsTest' in window && 'fakeMidi' in window);
  return opened;
}
