/**
 * Training throughput (real images per second, one G + one D update per step) per config and backend, at the
 * first stage (2×16, one block) and, where feasible, further up. Synthetic in-memory data; weights seeded.
 * Env: TRAIN_BENCH_BACKENDS (default "cpu,webgpu"), TRAIN_BENCH_CONFIGS (default "tiny,small,paper"),
 * TRAIN_BENCH_STAGES (default "0"; stage ids, e.g. "0,4,12"), TRAIN_BENCH_STEPS (timed steps, default 2),
 * TRAIN_BENCH_LABEL (kept in each row's extra.label, to tell the code versions of one sitting apart). Each row keeps
 * the 1-minute load average before and after its steps (extra.loadAvg): the machine may be shared.
 */
import { loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { useTrainingBackend } from '../trainer/src/train/backend.ts';
import { resolveTrainConfig } from '../trainer/src/train/configs.ts';
import { InMemoryTrainData } from '../trainer/src/train/data-source.ts';
import { stageEndImages, stageAt } from '../trainer/src/train/schedule.ts';
import { Trainer } from '../trainer/src/train/trainer-loop.ts';
import { syntheticFeatures } from '../support/training-features.ts';
import type { BenchRow } from './types.ts';

const list = (name: string, fallback: string) => (process.env[name] ?? fallback).split(',').map((s) => s.trim()).filter(Boolean);

/** Measures and returns one row per (backend, config, stage). */
export async function run(progress?: (rows: readonly BenchRow[]) => void): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const steps = Number(process.env.TRAIN_BENCH_STEPS ?? 2);
  for (const backendName of list('TRAIN_BENCH_BACKENDS', 'cpu,webgpu')) {
    let backend: string;
    try {
      backend = await useTrainingBackend(backendName);
    } catch (e) {
      console.error(`training bench: backend ${backendName} unavailable: ${(e as Error).message}`);
      continue;
    }
    for (const name of list('TRAIN_BENCH_CONFIGS', 'tiny,small,paper')) {
      const cfg = resolveTrainConfig(name);
      const maxBatch = Math.max(...cfg.batchSizeSchedule);
      const { features, pitches } = syntheticFeatures(cfg.model, maxBatch, 1);
      for (const stage of list('TRAIN_BENCH_STAGES', '0').map(Number)) {
        const trainer = Trainer.create(cfg, 1, new InMemoryTrainData(cfg.model, features, pitches, 1));
        const startImages = stage === 0 ? 0 : stageEndImages(cfg, stage - 1);
        const point = stageAt(cfg, startImages);
        trainer.imageId = startImages;
        const loadBefore = loadavg()[0]!;
        await trainer.trainStep(); // warm-up: kernel compilation, first-use allocations
        const times: number[] = [];
        for (let i = 0; i < steps; i++) {
          trainer.imageId = startImages; // stay in the measured stage
          const t0 = performance.now();
          await trainer.trainStep();
          times.push((performance.now() - t0) / 1000);
        }
        trainer.dispose();
        const secPerStep = times.reduce((a, b) => a + b, 0) / times.length;
        const row: BenchRow = {
          suite: 'training',
          name: `${name} stage ${stage} (${point.numBlocks} block${point.numBlocks > 1 ? 's' : ''}, batch ${point.batchSize})`,
          backend: `node-${backend}`,
          value: point.batchSize / secPerStep,
          unit: 'images/s',
          extra: {
            secPerStep, steps, numTensors: tf.memory().numTensors, loadAvg: [loadBefore, loadavg()[0]!],
            ...(process.env.TRAIN_BENCH_LABEL ? { label: process.env.TRAIN_BENCH_LABEL } : {}),
          },
        };
        console.error(`${row.backend} ${row.name}: ${row.value.toFixed(3)} images/s (${secPerStep.toFixed(2)} s/step)`);
        rows.push(row);
        progress?.([row]);
      }
    }
  }
  return rows;
}
