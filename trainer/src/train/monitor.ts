/**
 * Fixed-latent monitoring samples: at every checkpoint the EMA generator renders the same latents at the same
 * pitches (Magenta's summaries use its EMA generator too), stored as RUN/samples/step-<9 digits>.{json,bin}
 * (features quantised to int16 over [-1, 1], the generator's tanh range). `report` turns them into spectrogram
 * images and audio.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from 'gansynth-web/node/atomic-file';
import * as tf from '@tensorflow/tfjs-core';
import { SeededRandom } from 'gansynth-web/shared/random';
import { generatorForward, pitchesToOneHot } from 'gansynth-web/engine/generator';
import type { Trainer } from './trainer-loop.ts';

/** Samples rendered per checkpoint (at most). */
export const MONITOR_SAMPLES = 4;

/** One stored sample set. */
export interface SampleSet {
  step: number;
  images: number;
  pitches: number[];
  /** [n, frames, bins, colors] */
  shape: [number, number, number, number];
  features: Float32Array;
}

/** Pitches spread over the dataset's distinct pitches, low to high. */
export function monitorPitches(pitches: readonly number[], count: number): number[] {
  const distinct = [...new Set(pitches)].sort((a, b) => a - b);
  const n = Math.min(count, distinct.length);
  return Array.from({ length: n }, (_, i) => distinct[Math.round((i * (distinct.length - 1)) / Math.max(1, n - 1))]!);
}

/** Renders and stores the samples of the trainer's current EMA weights. */
export async function writeMonitorSamples(runDir: string, trainer: Trainer): Promise<string> {
  const cfg = trainer.cfg;
  const pitches = monitorPitches(trainer.data.pitches, Math.min(MONITOR_SAMPLES, cfg.fakeBatchSize));
  const rng = new SeededRandom((trainer.seed ^ 0x5eed5eed) >>> 0);
  const z = tf.tensor2d(rng.normals(pitches.length * cfg.model.latentSize), [pitches.length, cfg.model.latentSize]);
  const onehot = pitchesToOneHot(pitches, cfg.model);
  const out = generatorForward(trainer.ema.shadows, cfg.model, z, onehot, { progress: trainer.point.progress, toRgbHeSlope: cfg.toRgbHeSlope });
  const values = (await out.data()) as Float32Array;
  const shape = out.shape as [number, number, number, number];
  tf.dispose([z, onehot, out]);
  const q = new Int16Array(values.length);
  for (let i = 0; i < values.length; i++) q[i] = Math.round(Math.max(-1, Math.min(1, values[i]!)) * 32767);
  const dir = join(runDir, 'samples');
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `step-${String(trainer.step).padStart(9, '0')}`);
  // Atomic: a full disk leaves no half sample and no temporary file, and the error names the file.
  writeFileAtomic(`${base}.bin`, new Uint8Array(q.buffer));
  writeFileAtomic(`${base}.json`, JSON.stringify({ step: trainer.step, images: trainer.imageId, pitches, shape }));
  return base;
}

/** Every stored sample set of a run, oldest first. */
export function readSampleSets(runDir: string): SampleSet[] {
  const dir = join(runDir, 'samples');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^step-\d{9}\.json$/.test(f) && existsSync(join(dir, f.replace('.json', '.bin'))))
    .sort()
    .map((f) => {
      const meta = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Omit<SampleSet, 'features'>;
      const buf = readFileSync(join(dir, f.replace('.json', '.bin')));
      const q = new Int16Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
      const features = new Float32Array(q.length);
      for (let i = 0; i < q.length; i++) features[i] = q[i]! / 32767;
      return { ...meta, features };
    });
}
