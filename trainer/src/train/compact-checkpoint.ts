/**
 * The compact checkpoint: one file that carries a training run between machines (the GPU campaign's slices,
 * models/default-run/). It holds what checkpoint.ts's run-directory checkpoint holds (the same CheckpointMeta and
 * tensor groups, so one Trainer restore path reads both), in one binary file, with the weights in float32 or float16
 * and the Adam moments optional:
 *
 *   bytes 0..7    "GSWCKPT1"
 *   bytes 8..11   header length H (uint32, little-endian)
 *   bytes 12..    header: UTF-8 JSON (CompactHeader), then zero padding to a multiple of 4
 *   then          payload: each tensor's values, little-endian, at its `offsetBytes` (4-byte aligned)
 *
 * Groups: `g`, `d`, `ema` in the header's `dtype`; with `adamMoments`, `adam_g_v`, `adam_d_v` (always float32:
 * float16 flushes small second moments to 0, and √0 + ε would turn the next update into a jump) and `adam_*_m`
 * only when β1 ≠ 0: with Magenta's β1 = 0 the next update computes m = g from the fresh gradient whatever m was,
 * so m is not state. Without moments the resumed run restarts Adam (t = 0, bias correction from scratch), as
 * Magenta does at every stage change. The payload's CRC32C is in the header; the file is written atomically.
 */
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { endianness } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { crc32c } from '../data/crc32c.ts';
import { decodeHalf, encodeHalf } from '../data/float16.ts';
import { type CheckpointMeta, type CheckpointTensors, assertFiniteValues, writeFileAtomic } from './checkpoint.ts';
import { validateTrainConfig } from './configs.ts';
import type { RunInfo } from './run-info.ts';

/** `format` of a compact checkpoint's header. */
export const COMPACT_FORMAT = 'gansynth-compact-checkpoint/1';
const MAGIC = 'GSWCKPT1';
const PREFIX_BYTES = 12;
/** Largest header we read (the data cursor of a 20k-note dataset is ~150 kB). */
const MAX_HEADER_BYTES = 64 * 2 ** 20;

/** How weights (G, D, EMA) are stored. */
export type CompactDtype = 'float32' | 'float16';
/** The dtypes a compact checkpoint can state. */
export const COMPACT_DTYPES: readonly CompactDtype[] = ['float32', 'float16'];

/** What to keep when packing. */
export interface CompactOptions {
  /** Weights' storage type. float16: ≤ 2^-11 relative error per weight, half the bytes. */
  dtype: CompactDtype;
  /** Keep Adam's second moments (and first moments when β1 ≠ 0) so the resume is exact within a stage. */
  adamMoments: boolean;
}

/** One stored tensor. */
export interface CompactTensorEntry {
  group: string;
  name: string;
  shape: number[];
  dtype: CompactDtype;
  /** Byte offset into the payload (a multiple of 4). */
  offsetBytes: number;
}

/** The JSON header. */
export interface CompactHeader {
  format: typeof COMPACT_FORMAT;
  byteOrder: 'little';
  /** The weights' (g, d, ema) dtype. */
  dtype: CompactDtype;
  adamMoments: boolean;
  meta: CheckpointMeta;
  /** The run's run.json (config, seed, data label, normalisation): what a resumed run writes back. */
  run: RunInfo;
  tensors: CompactTensorEntry[];
  payloadBytes: number;
  /** CRC32C of the payload, unsigned. */
  payloadCrc32c: number;
  writtenAt: string;
}

const WEIGHT_GROUPS = ['g', 'd', 'ema'];

/** The groups a compact checkpoint keeps of a run with Adam β1 `beta1`. */
export function compactGroups(opts: CompactOptions, beta1: number): string[] {
  if (!opts.adamMoments) return [...WEIGHT_GROUPS];
  return [...WEIGHT_GROUPS, 'adam_d_v', 'adam_g_v', ...(beta1 === 0 ? [] : ['adam_d_m', 'adam_g_m'])];
}

function checkOptions(opts: CompactOptions): void {
  if (!COMPACT_DTYPES.includes(opts.dtype)) throw new Error(`compact checkpoint dtype must be ${COMPACT_DTYPES.join(' or ')}, got "${String(opts.dtype)}"`);
  if (endianness() !== 'LE') throw new Error('compact checkpoints are little-endian; this machine is big-endian');
}

/**
 * Writes `path` atomically from a checkpoint's meta and tensors (the Trainer's, or loadCheckpoint's). Refuses
 * (NonFiniteError, nothing written) when a kept weight is NaN/Inf. Returns the file's size in bytes.
 */
export async function writeCompactCheckpoint(path: string, meta: CheckpointMeta, tensors: CheckpointTensors, run: RunInfo, opts: CompactOptions): Promise<number> {
  checkOptions(opts);
  const entries: CompactTensorEntry[] = [];
  const parts: Uint8Array[] = [];
  let offsetBytes = 0;
  for (const group of compactGroups(opts, meta.trainConfig.adamBeta1)) {
    const named = tensors[group];
    if (!named) {
      // A fresh stage has no moments yet (Adam is reset at stage changes): nothing to keep.
      if (group.startsWith('adam_')) continue;
      throw new Error(`compact checkpoint: no tensor group "${group}"`);
    }
    const dtype: CompactDtype = WEIGHT_GROUPS.includes(group) ? opts.dtype : 'float32';
    for (const name of Object.keys(named).sort()) {
      const t = named[name]!;
      const values = (await t.data()) as Float32Array;
      assertFiniteValues(values, `${group}/${name}`, meta.step);
      const bytes = dtype === 'float16' ? new Uint8Array(encodeHalf(values).buffer) : new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
      entries.push({ group, name, shape: [...t.shape], dtype, offsetBytes });
      const padded = new Uint8Array(align4(bytes.byteLength));
      padded.set(bytes);
      parts.push(padded);
      offsetBytes += padded.byteLength;
    }
  }
  const payload = concat(parts, offsetBytes);
  const header: CompactHeader = {
    format: COMPACT_FORMAT, byteOrder: 'little', dtype: opts.dtype, adamMoments: opts.adamMoments, meta, run, tensors: entries,
    payloadBytes: payload.byteLength, payloadCrc32c: crc32c(payload) >>> 0, writtenAt: new Date().toISOString(),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerBytes = align4(json.byteLength);
  const file = new Uint8Array(PREFIX_BYTES + headerBytes + payload.byteLength);
  file.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(file.buffer).setUint32(8, headerBytes, true);
  file.set(json, PREFIX_BYTES);
  file.fill(0x20, PREFIX_BYTES + json.byteLength, PREFIX_BYTES + headerBytes); // JSON allows trailing spaces
  file.set(payload, PREFIX_BYTES + headerBytes);
  writeFileAtomic(path, file);
  return file.byteLength;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out;
}

function parseHeader(path: string, headerText: Uint8Array): CompactHeader {
  let header: CompactHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(headerText)) as CompactHeader;
  } catch (e) {
    throw new Error(`${path}: the header is not JSON (${(e as Error).message})`);
  }
  if (header.format !== COMPACT_FORMAT) throw new Error(`${path}: format "${header.format}", expected "${COMPACT_FORMAT}"`);
  if (header.byteOrder !== 'little') throw new Error(`${path}: byteOrder "${header.byteOrder}", expected "little"`);
  if (!COMPACT_DTYPES.includes(header.dtype)) throw new Error(`${path}: dtype "${header.dtype}" is not ${COMPACT_DTYPES.join(' or ')}`);
  if (typeof header.adamMoments !== 'boolean') throw new Error(`${path}: adamMoments must be true or false`);
  if (!header.meta || !Number.isInteger(header.meta.step) || !Number.isInteger(header.meta.imageId) || !Number.isInteger(header.meta.stage)) {
    throw new Error(`${path}: meta.step, meta.imageId and meta.stage must be integers`);
  }
  if (!header.run || typeof header.run.config !== 'string') throw new Error(`${path}: run.config missing`);
  if (!Array.isArray(header.tensors)) throw new Error(`${path}: tensors must be a list`);
  if (!Number.isInteger(header.payloadBytes) || header.payloadBytes < 0) throw new Error(`${path}: payloadBytes must be a non-negative integer`);
  validateTrainConfig(header.meta.trainConfig);
  return header;
}

function readPrefix(path: string, prefix: Uint8Array, sizeBytes: number): number {
  if (sizeBytes < PREFIX_BYTES || new TextDecoder().decode(prefix.subarray(0, 8)) !== MAGIC) {
    throw new Error(`${path}: not a gansynth compact checkpoint (no "${MAGIC}" at the start)`);
  }
  const headerBytes = new DataView(prefix.buffer, prefix.byteOffset, PREFIX_BYTES).getUint32(8, true);
  if (headerBytes > MAX_HEADER_BYTES || PREFIX_BYTES + headerBytes > sizeBytes) throw new Error(`${path}: header length ${headerBytes} runs past the file's ${sizeBytes} bytes (truncated?)`);
  return headerBytes;
}

/** Reads only the header (cheap: for `checkpoint info`, landing and resume checks). */
export function readCompactHeader(path: string): CompactHeader {
  const sizeBytes = statSync(path).size;
  const fd = openSync(path, 'r');
  try {
    const prefix = new Uint8Array(PREFIX_BYTES);
    readSync(fd, prefix, 0, PREFIX_BYTES, 0);
    const headerBytes = readPrefix(path, prefix, sizeBytes);
    const text = new Uint8Array(headerBytes);
    readSync(fd, text, 0, headerBytes, PREFIX_BYTES);
    const header = parseHeader(path, text);
    if (PREFIX_BYTES + headerBytes + header.payloadBytes !== sizeBytes) {
      throw new Error(`${path}: ${sizeBytes} bytes, the header says ${PREFIX_BYTES + headerBytes + header.payloadBytes} (truncated or appended to)`);
    }
    return header;
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads and checks a whole compact checkpoint without making tensors: the header, the file size, every tensor's
 * extent and the payload's CRC32C. Throws naming the file and what is wrong.
 */
export function verifyCompactCheckpoint(path: string): { header: CompactHeader; payload: Uint8Array } {
  const file = readFileSync(path);
  const headerBytes = readPrefix(path, file, file.byteLength);
  const header = parseHeader(path, file.subarray(PREFIX_BYTES, PREFIX_BYTES + headerBytes));
  const start = PREFIX_BYTES + headerBytes;
  if (start + header.payloadBytes !== file.byteLength) {
    throw new Error(`${path}: ${file.byteLength} bytes, the header says ${start + header.payloadBytes} (truncated or appended to)`);
  }
  const payload = file.subarray(start);
  if ((crc32c(payload) >>> 0) !== header.payloadCrc32c) throw new Error(`${path}: payload CRC32C mismatch (the file is corrupt)`);
  for (const e of header.tensors) {
    const label = `${path}: tensor ${e.group}/${e.name}`;
    if (!Array.isArray(e.shape) || e.shape.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`${label}: bad shape ${JSON.stringify(e.shape)}`);
    if (!COMPACT_DTYPES.includes(e.dtype)) throw new Error(`${label}: dtype "${e.dtype}"`);
    const bytes = entryBytes(e);
    if (!Number.isInteger(e.offsetBytes) || e.offsetBytes % 4 !== 0 || e.offsetBytes + bytes > payload.byteLength) throw new Error(`${label}: offset ${e.offsetBytes} + ${bytes} bytes runs past the payload`);
  }
  return { header, payload };
}

function entryBytes(e: CompactTensorEntry): number {
  return e.shape.reduce((a, b) => a * b, 1) * (e.dtype === 'float16' ? 2 : 4);
}

/** Reads a compact checkpoint (checked as verifyCompactCheckpoint); the caller owns the returned tensors (float32). */
export function readCompactCheckpoint(path: string): { header: CompactHeader; meta: CheckpointMeta; tensors: CheckpointTensors } {
  const { header, payload } = verifyCompactCheckpoint(path);
  const tensors: CheckpointTensors = {};
  for (const e of header.tensors) {
    const raw = payload.buffer.slice(payload.byteOffset + e.offsetBytes, payload.byteOffset + e.offsetBytes + entryBytes(e));
    const values = e.dtype === 'float16' ? decodeHalf(new Uint16Array(raw)) : new Float32Array(raw);
    (tensors[e.group] ??= {})[e.name] = tf.tensor(values, e.shape, 'float32');
  }
  return { header, meta: header.meta, tensors };
}
