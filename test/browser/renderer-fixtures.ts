/** Fixtures of the renderer browser test and the engine bench: the shipped Worker bundle and a seeded model. */
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../support/browser-harness.ts';
import { GANSYNTH_SPECTRAL, TINY_CONFIG, type ModelConfig } from '../../src/shared/model-config.ts';

/**
 * A 64 ms, 16 × 128 spectrogram version of `tiny` for browser tests on SwiftShader, whose WebGPU costs ~0.1-0.2 ms
 * per workgroup: one `tiny` note (128 × 1024) takes ~100 s there warm (75 s generator, 27 s spectral, measured
 * 2026-11-24), beyond a test's budget. Same code paths (mel, iSTFT, resampler, batching), smaller shapes.
 */
export const MICRO_CONFIG: ModelConfig = Object.freeze({
  ...TINY_CONFIG,
  name: 'micro',
  filters: Object.freeze([8, 8, 8, 8]),
  spectral: Object.freeze({ ...GANSYNTH_SPECTRAL, audioLengthSamples: 1024, nFft: 256, hopSamples: 64, frames: 16, bins: 128 }),
});

/**
 * The Worker script is the library's shipped dist/render-worker.js (made by `npm run build`, which `npm test` runs
 * first), copied to `<outDir>/worker/worker.js`; and a seeded model directory of `config`.
 */
export async function prepareRendererFixtures(outDir: string, config: ModelConfig | string = MICRO_CONFIG): Promise<{ workerDir: string; modelDir: string }> {
  const workerDir = join(outDir, 'worker');
  const modelDir = join(outDir, 'model');
  mkdirSync(modelDir, { recursive: true });
  writeFileSync(join(modelDir, 'model.json'), JSON.stringify({ format: 'gansynth-web/1', config, meta: { name: 'renderer browser test' }, weights: { init: 'seeded-untrained', seed: 5 } }));
  const shipped = join(REPO_ROOT, 'dist/render-worker.js');
  if (!existsSync(shipped)) throw new Error(`${shipped} is missing: run npm run build (npm test does)`);
  mkdirSync(workerDir, { recursive: true });
  copyFileSync(shipped, join(workerDir, 'worker.js'));
  return { workerDir, modelDir };
}

