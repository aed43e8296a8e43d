/**
 * A training run on disk (RUN/): run.json (what was trained on what; run-info.ts), checkpoints/, metrics.jsonl,
 * samples/. `runTraining` starts a run, resumes the newest checkpoint, or continues a compact checkpoint brought from
 * another machine (compact-checkpoint.ts); trains to a step/image target, checkpoints every N steps (and/or
 * seconds) and at the end, and stops cleanly (checkpoint first) when `shouldStop()` turns true. Each save can
 * also replace a compact checkpoint file: the copy that travels. The caller holds the run directory's lock
 * (run-lock.ts `withRunLock`; the train command takes it before it prepares data).
 */
import { mkdirSync } from 'node:fs';
import type { NormalizationConfig } from 'gansynth-web/shared/model-config';
import { latestCheckpoint } from './checkpoint.ts';
import { type CompactOptions, readCompactCheckpoint, readCompactHeader, writeCompactCheckpoint } from './compact-checkpoint.ts';
import type { TrainConfig } from './configs.ts';
import type { TrainData } from './data-source.ts';
import { appendMetrics, truncateMetrics } from './metrics-log.ts';
import { writeMonitorSamples } from './monitor.ts';
import { type RunInfo, readRunInfo, writeRunInfo } from './run-info.ts';
import { type StepMetrics, Trainer } from './trainer-loop.ts';

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
  /** Also checkpoint once this many seconds have passed since the last save (default: by steps only). */
  checkpointEverySec?: number;
  keep: number;
  /**
   * A compact checkpoint to continue from when `runDir` has no checkpoint yet (`train --resume-from`). When
   * `runDir` has one at the same step or later, that one is resumed (rerunning a command goes on).
   */
  resumeFrom?: string;
  /** Also write this compact checkpoint at every save, replaced atomically (the campaign's travelling copy). */
  compactOut?: { path: string } & CompactOptions;
  /** Called after every step (progress bar). */
  onStep?: (m: StepMetrics & { imagesPerSec: number }, trainer: Trainer) => void;
  /** Polled between steps; true ends the run after a checkpoint (SIGINT/SIGTERM). */
  shouldStop?: () => boolean;
  /** Extra provenance stored in checkpoints. */
  info?: Record<string, unknown>;
}

/** Trains; returns the final step count, images seen and why it stopped. */
export async function runTraining(o: RunOptions): Promise<{ step: number; images: number; reason: 'target' | 'done' | 'stopped'; checkpoint: string | null }> {
  if (!(Number.isInteger(o.checkpointEverySteps) && o.checkpointEverySteps >= 1)) throw new Error(`checkpoint interval must be an integer ≥ 1, got ${o.checkpointEverySteps}`);
  if (o.checkpointEverySec !== undefined && !(o.checkpointEverySec > 0)) throw new Error(`checkpoint interval must be > 0 s, got ${o.checkpointEverySec}`);
  mkdirSync(o.runDir, { recursive: true });
  const latest = latestCheckpoint(o.runDir);
  let trainer: Trainer;
  if (latest) {
    const info = readRunInfo(o.runDir);
    if (info.config !== o.cfg.name) throw new Error(`${o.runDir} was trained with config "${info.config}", not "${o.cfg.name}"`);
    trainer = Trainer.resume(latest, o.data);
    if (o.resumeFrom) {
      const fileStep = readCompactHeader(o.resumeFrom).meta.step;
      if (fileStep > trainer.step) {
        trainer.dispose();
        throw new Error(`${o.runDir} holds checkpoints up to step ${trainer.step}, older than ${o.resumeFrom} (step ${fileStep}): resume it into an empty --out`);
      }
      console.error(`${o.runDir} already holds step ${trainer.step} (≥ ${o.resumeFrom}'s ${fileStep}): resuming that`);
    }
    truncateMetrics(o.runDir, trainer.step);
  } else if (o.resumeFrom) {
    const state = readCompactCheckpoint(o.resumeFrom);
    const info = state.header.run;
    if (info.config !== o.cfg.name) {
      for (const group of Object.values(state.tensors)) for (const t of Object.values(group)) t.dispose();
      throw new Error(`${o.resumeFrom} is a run of config "${info.config}", not "${o.cfg.name}"`);
    }
    writeRunInfo(o.runDir, info);
    truncateMetrics(o.runDir, 0);
    trainer = Trainer.restore(state, o.data, o.resumeFrom);
  } else {
    const info: RunInfo = {
      format: 'gansynth-trainer-run/1', config: o.cfg.name, seed: o.seed, data: o.dataLabel, normalization: o.normalization, createdAt: new Date().toISOString(), trainConfig: o.cfg,
    };
    writeRunInfo(o.runDir, info);
    truncateMetrics(o.runDir, 0);
    trainer = Trainer.create(o.cfg, o.seed, o.data);
  }
  const runInfo = readRunInfo(o.runDir);
  const targetImages = Math.min(o.targetImages ?? trainer.cfg.totalImages, trainer.cfg.totalImages);
  const targetSteps = o.targetSteps ?? Number.POSITIVE_INFINITY;
  let savedStep = latest ? trainer.step : -1;
  let checkpoint = latest;
  let savedMs = performance.now();
  const info = { data: o.dataLabel, ...o.info };
  let compactStep = -1;
  const writeCompact = async () => {
    if (!o.compactOut) return;
    await writeCompactCheckpoint(o.compactOut.path, trainer.meta(info), trainer.tensors(), runInfo, o.compactOut);
    compactStep = trainer.step;
  };
  const save = async () => {
    checkpoint = await trainer.save(o.runDir, o.keep, info);
    await writeCompact();
    await writeMonitorSamples(o.runDir, trainer);
    savedStep = trainer.step;
    savedMs = performance.now();
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
      const dueBySec = o.checkpointEverySec !== undefined && performance.now() - savedMs >= o.checkpointEverySec * 1000;
      if (trainer.step % o.checkpointEverySteps === 0 || dueBySec) await save();
    }
    if (savedStep !== trainer.step) await save();
    else if (compactStep !== trainer.step) await writeCompact(); // nothing to train (target reached): still hand the file over
    return { step: trainer.step, images: trainer.imageId, reason, checkpoint };
  } finally {
    trainer.dispose();
  }
}
