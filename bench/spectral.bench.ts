/**
 * Spectral inverse of a bank render: `featuresToWaves` on 61 notes (one per pitch, [61, 128, 1024, 2] →
 * [61, 64000]) per Node backend, timed after an untimed call on the same shape (shader compiles and cached bases
 * outside the timing). Env: SPECTRAL_BENCH_BACKENDS (comma list, default "wasm,cpu"),
 * SPECTRAL_BENCH_NOTES (default 61; smaller for slow backends, the row says how many ran).
 * Run alone: `npx tsx -e "import('./bench/spectral.bench.ts').then(async m => console.table(await m.run()))"`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { useNodeBackend, type NodeBackendName } from '../src/node/backends.ts';
import { GANSYNTH_SPECTRAL, MAGENTA_NORMALIZATION } from '../src/shared/model-config.ts';
import { disposeSpectralCache, featuresToWaves, featuresToWavesFlops, wavesToFeatures } from '../src/engine/spectral.ts';
import type { BenchRow } from './types.ts';
import { testWave } from '../support/waves.ts';

/** Times featuresToWaves for a bank of notes on each backend in SPECTRAL_BENCH_BACKENDS. */
export async function run(): Promise<BenchRow[]> {
  const backends = (process.env.SPECTRAL_BENCH_BACKENDS ?? 'wasm,cpu').split(',').map((s) => s.trim()) as NodeBackendName[];
  const notes = Number(process.env.SPECTRAL_BENCH_NOTES ?? 61);
  if (!Number.isInteger(notes) || notes < 1) throw new Error(`SPECTRAL_BENCH_NOTES must be a positive integer, got ${process.env.SPECTRAL_BENCH_NOTES}`);
  const spec = GANSYNTH_SPECTRAL;
  const rows: BenchRow[] = [];
  for (const backend of backends) {
    try {
      await useNodeBackend(backend);
    } catch (e) {
      console.warn(`spectral bench: skipping ${backend}: ${(e as Error).message}`);
      continue;
    }
    const wave = tf.tensor2d(testWave(spec.audioLengthSamples, 1), [1, spec.audioLengthSamples]);
    const one = wavesToFeatures(wave, spec, MAGENTA_NORMALIZATION);
    const bank = tf.tile(one, [notes, 1, 1, 1]) as tf.Tensor4D;
    tf.dispose([wave, one]);
    // Warm-up on the timed shape itself: builds the cached bases and compiles the shaders for a [notes, …] batch,
    // so the timed call below compiles nothing.
    const t0w = performance.now();
    const warm = featuresToWaves(bank, spec, MAGENTA_NORMALIZATION);
    await warm.data();
    warm.dispose();
    const warmUpMs = performance.now() - t0w;
    const t0 = performance.now();
    const out = featuresToWaves(bank, spec, MAGENTA_NORMALIZATION);
    await out.data();
    const ms = performance.now() - t0;
    tf.dispose([out, bank]);
    disposeSpectralCache();
    const gflop = featuresToWavesFlops(spec) / 1e9;
    rows.push({
      suite: 'spectral',
      name: `featuresToWaves ${notes} notes`,
      backend: `node-${backend}`,
      value: ms,
      unit: 'ms',
      extra: { msPerNote: ms / notes, gflops: (gflop * notes) / (ms / 1000), gflopPerNote: gflop, warmUpMs, warmUpNotes: notes },
    });
  }
  return rows;
}
