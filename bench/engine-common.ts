/**
 * Shared pieces of the engine bench: the per-(backend, config) plan, and turning stage timings into rows.
 */
import { BANK_PITCHES } from '../src/shared/constants.ts';
import type { ModelConfig } from '../src/shared/model-config.ts';
import type { StageTimings } from '../src/engine/renderer.ts';
import { noteFlops } from '../src/engine/cost.ts';
import type { BenchRow } from './types.ts';

/** Output rate of every bench render (a typical AudioContext). */
export const BENCH_RATE_HZ = 48000;

/** One measurement: `notes` notes of `config` after a one-note warm-up. */
export interface EnginePlanItem {
  config: string;
  notes: number;
  maxBatch?: number;
}

/** Parses "paper:2,tiny:61" into plan items (env overrides of the defaults). */
export function parsePlan(text: string): EnginePlanItem[] {
  return text.split(',').filter(Boolean).map((part) => {
    const [config, notes, maxBatch] = part.split(':');
    const n = Number(notes ?? 1);
    if (!config || !Number.isInteger(n) || n < 1 || n > 61) throw new Error(`bad plan item '${part}' (config:notes[:maxBatch], 1 ≤ notes ≤ 61)`);
    return { config, notes: n, ...(maxBatch ? { maxBatch: Number(maxBatch) } : {}) };
  });
}

/** `notes` pitches spread over the bank (so a few notes sample the whole range). */
export function spreadPitches(notes: number): number[] {
  if (notes >= BANK_PITCHES.length) return [...BANK_PITCHES];
  return Array.from({ length: notes }, (_, i) => BANK_PITCHES[Math.round(((i + 0.5) * BANK_PITCHES.length) / notes - 0.5)]!);
}

/** What one measured render produced. */
export interface EngineMeasurement {
  backend: string;
  config: ModelConfig;
  notes: number;
  maxBatch: number;
  warmUpMs: number;
  renderMs: number;
  stages: StageTimings[];
  limitSource?: string;
  /** Peak bytes held by live tensors (weights included) while one batch rendered under tf.profile, if measured. */
  memory?: { peakTensorBytes: number; batch: number };
}

/** Rows for one measurement: ms/note, bank ms (extrapolated unless 61 notes ran), GFLOP/s, stage split. */
export function measurementRows(m: EngineMeasurement): BenchRow[] {
  const flops = noteFlops(m.config, BENCH_RATE_HZ);
  const sum = (k: keyof StageTimings) => m.stages.reduce((s, t) => s + t[k], 0);
  const msPerNote = m.renderMs / m.notes;
  const split = {
    generatorMsPerNote: sum('generatorMs') / m.notes,
    spectralMsPerNote: sum('spectralMs') / m.notes,
    resampleMsPerNote: sum('resampleMs') / m.notes,
    readbackMsPerNote: sum('readbackMs') / m.notes,
  };
  const extra = {
    notesMeasured: m.notes, maxBatch: m.maxBatch, warmUpMs: m.warmUpMs, rateHz: BENCH_RATE_HZ, limitSource: m.limitSource,
    gflopPerNote: flops.total / 1e9, generatorGflopPerNote: flops.generator / 1e9, ...split,
  };
  const gflops = (f: number, ms: number) => (ms > 0 ? f / 1e9 / (ms / 1000) : 0);
  const name = m.config.name;
  const extrapolated = m.notes < BANK_PITCHES.length;
  const rows: BenchRow[] = [
    { suite: 'engine', name: `${name} ms/note`, backend: m.backend, value: msPerNote, unit: 'ms', extra },
    { suite: 'engine', name: `${name} 61-note bank`, backend: m.backend, value: extrapolated ? msPerNote * BANK_PITCHES.length : m.renderMs, unit: 'ms', extra: { ...extra, extrapolated } },
    { suite: 'engine', name: `${name} GFLOP/s (all stages)`, backend: m.backend, value: gflops(flops.total, msPerNote), unit: 'GFLOP/s', extra },
    { suite: 'engine', name: `${name} generator GFLOP/s`, backend: m.backend, value: gflops(flops.generator, split.generatorMsPerNote), unit: 'GFLOP/s', extra },
    { suite: 'engine', name: `${name} split gen/spec/resamp/readback`, backend: m.backend, value: split.generatorMsPerNote, unit: 'ms (generator)', extra: { ...split, text: `${split.generatorMsPerNote.toFixed(0)} / ${split.spectralMsPerNote.toFixed(0)} / ${split.resampleMsPerNote.toFixed(0)} / ${split.readbackMsPerNote.toFixed(1)} ms` } },
  ];
  if (m.memory) {
    rows.push({
      suite: 'engine', name: `${name} tensor memory peak`, backend: m.backend, value: m.memory.peakTensorBytes / 2 ** 20, unit: 'MiB',
      extra: { batch: m.memory.batch, note: 'tf.profile peakBytes over one batch: live tensor bytes incl. weights; backend pools and caches not counted' },
    });
  }
  return rows;
}
