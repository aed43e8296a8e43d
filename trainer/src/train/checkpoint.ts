/**
 * Training checkpoints: everything a run needs to continue exactly (step and image counters, progressive stage,
 * G/D weights, EMA shadows, Adam moments and step counts, the trainer's RNG state, the data cursor).
 *
 * Layout: RUN/checkpoints/ckpt-<step, 9 digits>/{state.json, tensors.bin}. A checkpoint is written into a
 * temporary sibling directory, fsynced, then renamed into place, so a process killed at any moment leaves
 * either the complete new checkpoint or none (the previous ones stay intact). Directories that do not match
 * the final name pattern (left-over temporaries) are ignored and cleaned up by the next save.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fsyncDir, writeError, writeFileAtomic, writeFileSynced } from 'gansynth-web/node/atomic-file';
import * as tf from '@tensorflow/tfjs-core';
import type { TrainConfig } from './configs.ts';
import { validateTrainConfig } from './configs.ts';

/** `format` of state.json. */
export const CHECKPOINT_FORMAT = 'gansynth-trainer-checkpoint/1';
const NAME_RE = /^ckpt-(\d{9})$/;

/** Scalars and small data of a checkpoint. */
export interface CheckpointMeta {
  step: number;
  imageId: number;
  stage: number;
  seed: number;
  rngState: number;
  dataCursor: unknown;
  adamGSteps: number;
  adamDSteps: number;
  trainConfig: TrainConfig;
  /** Free-form provenance (data directory, backend, wall time). */
  info: Record<string, unknown>;
}

/** A checkpoint's tensors by group ('g', 'd', 'ema', 'adam_g_m', ...) then parameter name. */
export type CheckpointTensors = Record<string, Record<string, tf.Tensor>>;

interface TensorEntry {
  group: string;
  name: string;
  shape: number[];
  /** Offset in float32 elements into tensors.bin. */
  offset: number;
}

/** Thrown when a value that must be finite is not (losses or weights). */
export class NonFiniteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NonFiniteError';
  }
}

/** The checkpoints directory of a run. */
export function checkpointsDir(runDir: string): string {
  return join(runDir, 'checkpoints');
}

/** Complete checkpoints of a run, oldest first: [{step, dir}]. */
export function listCheckpoints(runDir: string): { step: number; dir: string }[] {
  const root = checkpointsDir(runDir);
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .map((n) => ({ m: NAME_RE.exec(n), n }))
    .filter((e) => e.m && existsSync(join(root, e.n, 'state.json')))
    .map((e) => ({ step: Number(e.m![1]), dir: join(root, e.n) }))
    .sort((a, b) => a.step - b.step);
}

/** The newest complete checkpoint, or null. */
export function latestCheckpoint(runDir: string): string | null {
  const all = listCheckpoints(runDir);
  return all.length ? all[all.length - 1]!.dir : null;
}

/** Atomic file writes: one implementation, shared with the gansynth CLI. */
export { writeFileAtomic };

/** Throws NonFiniteError naming `label` and the step when `values` holds a NaN/Inf. */
export function assertFiniteValues(values: Float32Array, label: string, step: number): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) throw new NonFiniteError(`checkpoint refused at step ${step}: ${label} contains ${values[i]}`);
  }
}

/**
 * Writes a checkpoint atomically and keeps the newest `keep` (≥ 1). Throws NonFiniteError (writing nothing)
 * when a weight is NaN/Inf, so the last good checkpoint is never replaced by a broken one.
 */
export async function saveCheckpoint(runDir: string, meta: CheckpointMeta, tensors: CheckpointTensors, keep: number): Promise<string> {
  if (!(Number.isInteger(keep) && keep >= 1)) throw new Error(`keep must be an integer ≥ 1, got ${keep}`);
  const entries: TensorEntry[] = [];
  const chunks: Float32Array[] = [];
  let offset = 0;
  for (const group of Object.keys(tensors).sort()) {
    for (const name of Object.keys(tensors[group]!).sort()) {
      const t = tensors[group]![name]!;
      const values = (await t.data()) as Float32Array;
      assertFiniteValues(values, `${group}/${name}`, meta.step);
      entries.push({ group, name, shape: [...t.shape], offset });
      chunks.push(values);
      offset += values.length;
    }
  }
  const bin = new Float32Array(offset);
  let o = 0;
  for (const c of chunks) {
    bin.set(c, o);
    o += c.length;
  }
  const root = checkpointsDir(runDir);
  mkdirSync(root, { recursive: true });
  const finalName = `ckpt-${String(meta.step).padStart(9, '0')}`;
  const finalDir = join(root, finalName);
  const tmpDir = join(root, `.tmp-${finalName}-${process.pid}`);
  rmSync(tmpDir, { recursive: true, force: true });
  try {
    mkdirSync(tmpDir);
    writeFileSynced(join(tmpDir, 'tensors.bin'), new Uint8Array(bin.buffer, bin.byteOffset, bin.byteLength));
    writeFileSynced(join(tmpDir, 'state.json'), JSON.stringify({ format: CHECKPOINT_FORMAT, ...meta, tensors: entries }, null, 1));
  } catch (e) {
    // Disk full, quota…: no half checkpoint stays; the earlier checkpoints are untouched.
    rmSync(tmpDir, { recursive: true, force: true });
    throw writeError(finalDir, e, false);
  }
  fsyncDir(tmpDir);
  // A checkpoint of the same step can exist after a resume that re-ran steps: replace it.
  if (existsSync(finalDir)) rmSync(finalDir, { recursive: true, force: true });
  renameSync(tmpDir, finalDir);
  fsyncDir(root);
  const all = listCheckpoints(runDir);
  for (const old of all.slice(0, Math.max(0, all.length - keep))) rmSync(old.dir, { recursive: true, force: true });
  for (const n of readdirSync(root)) if (n.startsWith('.tmp-') && n !== `.tmp-${finalName}-${process.pid}`) rmSync(join(root, n), { recursive: true, force: true });
  return finalDir;
}

/** Reads a checkpoint directory; the caller owns the returned tensors. */
export function loadCheckpoint(dir: string): { meta: CheckpointMeta; tensors: CheckpointTensors } {
  const statePath = join(dir, 'state.json');
  if (!existsSync(statePath)) throw new Error(`${dir}: not a checkpoint (no state.json)`);
  const damaged = `the checkpoint is damaged: delete ${dir} to resume from the one before it`;
  let raw: CheckpointMeta & { format: string; tensors: TensorEntry[] };
  try {
    raw = JSON.parse(readFileSync(statePath, 'utf8')) as typeof raw;
  } catch (e) {
    throw new Error(`${statePath}: not valid JSON (${(e as Error).message}); ${damaged}`);
  }
  if (!raw || typeof raw !== 'object') throw new Error(`${statePath}: not a JSON object; ${damaged}`);
  if (raw.format !== CHECKPOINT_FORMAT) throw new Error(`${statePath}: format "${raw.format}", expected "${CHECKPOINT_FORMAT}"`);
  for (const k of ['step', 'imageId', 'stage', 'seed', 'rngState', 'adamGSteps', 'adamDSteps'] as const) {
    if (!Number.isInteger(raw[k])) throw new Error(`${statePath}: "${k}" must be an integer, got ${JSON.stringify(raw[k])}; ${damaged}`);
  }
  if (!Array.isArray(raw.tensors)) throw new Error(`${statePath}: "tensors" must be a list; ${damaged}`);
  try {
    validateTrainConfig(raw.trainConfig);
  } catch (e) {
    throw new Error(`${statePath}: ${e instanceof TypeError ? `"trainConfig" is missing or malformed (${e.message})` : (e as Error).message}`);
  }
  const buf = readFileSync(join(dir, 'tensors.bin'));
  if (buf.byteLength % 4 !== 0) throw new Error(`${dir}/tensors.bin: length ${buf.byteLength} is not a multiple of 4`);
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const tensors: CheckpointTensors = {};
  for (const e of raw.tensors) {
    const size = e.shape.reduce((a, b) => a * b, 1);
    if (e.offset + size > all.length) throw new Error(`${dir}/tensors.bin: truncated (${e.group}/${e.name})`);
    (tensors[e.group] ??= {})[e.name] = tf.tensor(all.subarray(e.offset, e.offset + size), e.shape, 'float32');
  }
  const { format: _f, tensors: _t, ...meta } = raw;
  return { meta, tensors };
}
