/**
 * A training run on disk (RUN/): run.json (what was trained on what), checkpoints/, metrics.jsonl, samples/.
 * `runTraining` starts a run or resumes the newest checkpoint, trains to a step/image target, checkpoints
 * every N steps and at the end, and stops cleanly (checkpoint first) when `shouldStop()` turns true.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NormalizationConfig } from '../../../src/shared/model-config.ts';
import { latestCheckpoint } from './checkpoint.ts';
import type { TrainConfig } from './configs.ts';
import type { TrainData } from './data-source.ts';
import { appendMetrics, truncateMetrics } from './metrics-log.ts';
import { writeMonitorSamples } from './monitor.ts';
import { type StepMetrics, Trainer } from './trainer-loop.ts';

/** RUN/run.json. */
export interface RunInfo {
  format: 'gansynth-trainer-run/1';
  config: string;
  seed: number;
  data: string;
  normalization: NormalizationConfig;
  createdAt: string;
  /** The full training config (so runs with custom configs can be reported and resumed). */
  trainConfig: TrainConfig;
}

/** Options of runTraining. */
export interface RunOptions {
  runDir: string;
  /** Required for a fresh run; must match the checkpoint's config name when resuming. */
  cfg: TrainConfig;
  seed: number;
  data: TrainData;
  /** Description of the data (a path) for provenance. */
  dataLabel: string;
  normalization: NormalizationConfig;
  /** Stop when the run reaches this many steps in total (default: no step limit). */
  targetSteps?: number;
  /** Stop when the run has seen this many images in total (default: the config's totalImages). */
  targetImages?: number;
  checkpointEverySteps: number;
  keep: number;
  /** Called after every step (progress bar). */
  onStep?: (m: StepMetrics & { imagesPerSec: number }, trainer: Trainer) => void;
  /** Polled between steps; true ends the run after a checkpoint (SIGINT/SIGTERM). */
  shouldStop?: () => boolean;
  /** Extra provenance stored in checkpoints. */
  info?: Record<string, unknown>;
}

/** Reads RUN/run.json. */
export function readRunInfo(runDir: string): RunInfo {
  const p = join(runDir, 'run.json');
  if (!existsSync(p)) throw new Error(`${runDir}: not a training run (no run.json)`);
  return JSON.parse(readFileSync(p, 'utf8')) as RunInfo;
}

/** Trains; returns the final step count, images seen and why it stopped. */
export async function runTraining(o: RunOptions): Promise<{ step: number; images: number; reason: 'target' | 'done' | 'stopped'; checkpoint: string | null }> {
  if (!(Number.isInteger(o.checkpointEverySteps) && o.checkpointEverySteps >= 1)) throw new Error(`checkpoint interval must be an integer ≥ 1, got ${o.checkpointEverySteps}`);
  mkdirSync(o.runDir, { recursive: true });
  const latest = latestCheckpoint(o.runDir);
  let trainer: Trainer;
  if (latest) {
    const info = readRunInfo(o.runDir);
    if (info.config !== o.cfg.name) throw new Error(`${o.runDir} was trained with config "${info.config}", not "${o.cfg.name}"`);
    trainer = Trainer.resume(latest, o.data);
    truncateMetrics(o.runDir, trainer.step);
  } else {
    const info: RunInfo = {
      format: 'gansynth-trainer-run/1', config: o.cfg.name, seed: o.seed, data: o.dataLabel, normalization: o.normalization, createdAt: new Date().toISOString(), trainConfig: o.cfg,
    };
    writeFileSync(join(o.runDir, 'run.json'), JSON.stringify(info, null, 2) + '\n');
    truncateMetrics(o.runDir, 0);
    trainer = Trainer.create(o.cfg, o.seed, o.data);
  }
  const targetImages = Math.min(o.targetImages ?? trainer.cfg.totalImages, trainer.cfg.totalImages);
  const targetSteps = o.targetSteps ?? Number.POSITIVE_INFINITY;
  let savedStep = latest ? trainer.step : -1;
  let checkpoint = latest;
  const save = async () => {
    checkpoint = await trainer.save(o.runDir, o.keep, { data: o.dataLabel, ...o.info });
    await writeMonitorSamples(o.runDir, trainer);
    savedStep = trainer.step;
  };
  let reason: 'target' | 'done' | 'stopped' = 'target';
  const startMs = performance.now();
  try {
    if (savedStep < 0) await save(); // step 0: the run's starting point is a checkpoint too
    while (true) {
      if (trainer.done) {
        reason = 'done';
        break;
      }
      if (trainer.step >= targetSteps || trainer.imageId >= targetImages) break;
      if (o.shouldStop?.()) {
        reason = 'stopped';
        break;
      }
      const t0 = performance.now();
      const m = await trainer.trainStep();
      const dt = (performance.now() - t0) / 1000;
      const record = { ...m, imagesPerSec: m.batchSize / dt, timeSec: (performance.now() - startMs) / 1000 };
      appendMetrics(o.runDir, record);
      o.onStep?.(record, trainer);
      if (trainer.step % o.checkpointEverySteps === 0) await save();
    }
    if (savedStep !== trainer.step) await save();
    return { step: trainer.step, images: trainer.imageId, reason, checkpoint };
  } finally {
    trainer.dispose();
  }
}
