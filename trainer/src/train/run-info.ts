/**
 * RUN/run.json: what a training run trains on what (config, seed, data label, normalisation, the full training
 * config). run.ts writes it when a run starts or continues a compact checkpoint; compact-checkpoint.ts carries it in
 * its header; report, export and `checkpoint pack` read it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NormalizationConfig } from 'gansynth-web/shared/model-config';
import { writeFileAtomic } from './checkpoint.ts';
import type { TrainConfig } from './configs.ts';

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

/** Reads RUN/run.json. */
export function readRunInfo(runDir: string): RunInfo {
  const p = join(runDir, 'run.json');
  if (!existsSync(p)) throw new Error(`${runDir}: not a training run (no run.json)`);
  let info: RunInfo;
  try {
    info = JSON.parse(readFileSync(p, 'utf8')) as RunInfo;
  } catch (e) {
    throw new Error(`${p}: not valid JSON (${(e as Error).message}); the run's description is damaged`);
  }
  if (!info || typeof info !== 'object' || typeof info.config !== 'string') throw new Error(`${p}: not a run description (no "config" name)`);
  return info;
}

/** Writes RUN/run.json atomically. */
export function writeRunInfo(runDir: string, info: RunInfo): void {
  writeFileAtomic(join(runDir, 'run.json'), JSON.stringify(info, null, 2) + '\n');
}
