/**
 * Sound → preset: seconds per inversion (`invertSound`, src/engine/invert.ts) per Node backend and model config, of a
 * note rendered from a known latent of seeded weights. One row per (backend, config): total seconds for STARTS ×
 * STEPS, with seconds per step and the distances in `extra`. Env: INVERT_BENCH_BACKENDS (default "wasm,cpu"),
 * INVERT_BENCH_CONFIGS (default "tiny,small"; "paper" works but takes minutes per step on CPUs), INVERT_BENCH_STEPS
 * (default 10), INVERT_BENCH_STARTS (default 4).
 */
import * as tf from '@tensorflow/tfjs-core';
import { useNodeBackend, type NodeBackendName } from '../src/node/backends.ts';
import { MODEL_CONFIGS } from '../src/shared/model-config.ts';
import { initGeneratorParams } from '../src/engine/generator.ts';
import { randomLatent } from '../src/engine/latent.ts';
import { NoteRenderer } from '../src/engine/renderer.ts';
import { disposeSpectralCache } from '../src/engine/spectral.ts';
import type { LoadedModel } from '../src/engine/weights.ts';
import { prepareInversionTarget } from '../src/engine/invert-target.ts';
import { invertSound } from '../src/engine/invert.ts';
import type { BenchRow } from './types.ts';

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return n;
}

/** Times one inversion per backend in INVERT_BENCH_BACKENDS and config in INVERT_BENCH_CONFIGS. */
export async function run(progress?: (rows: readonly BenchRow[]) => void): Promise<BenchRow[]> {
  const backends = (process.env.INVERT_BENCH_BACKENDS ?? 'wasm,cpu').split(',').map((s) => s.trim()) as NodeBackendName[];
  const configs = (process.env.INVERT_BENCH_CONFIGS ?? 'tiny,small').split(',').map((s) => s.trim());
  const steps = positiveInt('INVERT_BENCH_STEPS', 10);
  const starts = positiveInt('INVERT_BENCH_STARTS', 4);
  const rows: BenchRow[] = [];
  for (const backend of backends) {
    try {
      await useNodeBackend(backend);
    } catch (e) {
      console.warn(`invert bench: skipping ${backend}: ${(e as Error).message}`);
      continue;
    }
    for (const name of configs) {
      const config = MODEL_CONFIGS[name];
      if (!config) throw new Error(`INVERT_BENCH_CONFIGS: unknown config '${name}' (${Object.keys(MODEL_CONFIGS).join(', ')})`);
      const params = initGeneratorParams(config, 11);
      const model: LoadedModel = { config, normalization: config.normalization, params, meta: {}, format: 'gansynth-web/1', dispose: () => tf.dispose(Object.values(params)) };
      try {
        const renderer = new NoteRenderer({ model, sampleRateHz: 16000, backend: 'current' });
        await renderer.initialize();
        const [samples] = await renderer.renderNotes([{ latent: randomLatent(100), pitch: 60 }], 16000);
        renderer.dispose();
        const target = prepareInversionTarget({ sampleRateHz: 16000, channels: [samples!] }, config, { source: 'bench.wav', pitch: 60 });
        const t0 = performance.now();
        const result = await invertSound(model, target, { steps, starts });
        const seconds = (performance.now() - t0) / 1000;
        const row: BenchRow = {
          suite: 'invert', name: `${name}: ${starts} starts × ${steps} steps`, backend: `node-${backend}`, value: seconds, unit: 's',
          extra: { secPerStep: seconds / (steps + 1), distanceDb: result.spectralDistanceDb, startDistanceDb: result.startDistanceDb },
        };
        rows.push(row);
        progress?.([row]);
      } finally {
        model.dispose();
        disposeSpectralCache();
      }
    }
  }
  return rows;
}
