/**
 * Shared pieces of the engine bench: the per-(backend, config) plan, and turning a measurement into rows.
 */
import { BANK_PITCHES } from '../src/shared/constants.ts';
import type { ModelConfig } from '../src/shared/model-config.ts';
import type { StageTimings } from '../src/engine/renderer.ts';
import type { MeasureOptions, RendererMeasurement } from './engine-measure.ts';
import { noteFlops } from '../src/engine/cost.ts';
import type { BenchRow } from './types.ts';

/** Output rate of every bench render (a typical AudioContext). */
export const BENCH_RATE_HZ = 48000;

/** One measurement: `notes` notes of `config` (see engine-measure.ts). */
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

/** The env knobs of a measurement (see the file header); the cpu backend compiles nothing: no warm-up, no memory run. */
export function measureOptionsFor(backend: string): MeasureOptions {
  return {
    warmUp: backend !== 'cpu' && process.env.ENGINE_BENCH_WARMUP !== '0',
    profile: process.env.ENGINE_BENCH_PROFILE === '1',
    memory: backend !== 'cpu' && (process.env.ENGINE_BENCH_MEMORY ?? '1') !== '0',
  };
}

/** `notes` pitches spread over the bank (so a few notes sample the whole range). */
export function spreadPitches(notes: number): number[] {
  if (notes >= BANK_PITCHES.length) return [...BANK_PITCHES];
  return Array.from({ length: notes }, (_, i) => BANK_PITCHES[Math.round(((i + 0.5) * BANK_PITCHES.length) / notes - 0.5)]!);
}

/** One measurement with what it measured: the backend label, the config and the number of notes. */
export interface EngineMeasurement extends RendererMeasurement {
  config: ModelConfig;
  notes: number;
}

/**
 * Rows for one measurement. The product path (renderBank as the instrument calls it, no stage syncs): ms/note, the
 * 61-note bank (extrapolated unless 61 notes ran), GFLOP/s. With a profiling render (`stages`), rows of its own,
 * named "(profiled)": the stage split and the generator's GFLOP/s, from a render with a GPU sync after each stage.
 */
export function measurementRows(m: EngineMeasurement): BenchRow[] {
  const flops = noteFlops(m.config, BENCH_RATE_HZ, { phaseUpscale: m.phaseUpscale });
  const msPerNote = m.renderMs / m.notes;
  const extra = {
    path: 'renderBank', notesMeasured: m.notes, maxBatch: m.maxBatch, batchSizes: m.batchSizes, warmUpMs: m.warmUpMs,
    warmUpBatchSizes: m.warmUpBatchSizes, ...(m.warmUpBatchSizes.length === 0 ? { warmedUp: false } : {}),
    rateHz: BENCH_RATE_HZ, phaseUpscale: m.phaseUpscale, limitSource: m.limitSource, gflopPerNote: flops.total / 1e9, generatorGflopPerNote: flops.generator / 1e9,
  };
  const gflops = (f: number, ms: number) => (ms > 0 ? f / 1e9 / (ms / 1000) : 0);
  const name = m.config.name;
  const extrapolated = m.notes < BANK_PITCHES.length;
  const rows: BenchRow[] = [
    { suite: 'engine', name: `${name} ms/note`, backend: m.backend, value: msPerNote, unit: 'ms', extra },
    { suite: 'engine', name: `${name} 61-note bank`, backend: m.backend, value: extrapolated ? msPerNote * BANK_PITCHES.length : m.renderMs, unit: 'ms', extra: { ...extra, extrapolated } },
    { suite: 'engine', name: `${name} GFLOP/s (all stages)`, backend: m.backend, value: gflops(flops.total, msPerNote), unit: 'GFLOP/s', extra },
  ];
  if (m.stages.length > 0) {
    const sum = (k: keyof StageTimings) => m.stages.reduce((s, t) => s + t[k], 0);
    const split = {
      generatorMsPerNote: sum('generatorMs') / m.notes,
      spectralMsPerNote: sum('spectralMs') / m.notes,
      resampleMsPerNote: sum('resampleMs') / m.notes,
      readbackMsPerNote: sum('readbackMs') / m.notes,
    };
    const profiled = {
      ...extra, profiled: true, ...split, profiledMsPerNote: (m.profiledRenderMs ?? 0) / m.notes,
      note: 'a separate render with a GPU sync after each stage (onStageTimings): slower than the product path',
    };
    rows.push(
      { suite: 'engine', name: `${name} generator GFLOP/s (profiled)`, backend: m.backend, value: gflops(flops.generator, split.generatorMsPerNote), unit: 'GFLOP/s', extra: profiled },
      {
        suite: 'engine', name: `${name} split gen/spec/resamp/readback (profiled)`, backend: m.backend, value: split.generatorMsPerNote, unit: 'ms (generator)',
        extra: { ...profiled, text: `${split.generatorMsPerNote.toFixed(0)} / ${split.spectralMsPerNote.toFixed(0)} / ${split.resampleMsPerNote.toFixed(0)} / ${split.readbackMsPerNote.toFixed(1)} ms` },
      },
    );
  }
  if (m.memory) {
    rows.push({
      suite: 'engine', name: `${name} tensor memory peak`, backend: m.backend, value: m.memory.peakTensorBytes / 2 ** 20, unit: 'MiB',
      extra: { batch: m.memory.batch, notes: m.memory.notes, note: 'tf.profile peakBytes over a render with one full batch: live tensor bytes incl. weights; backend pools and caches not counted' },
    });
  }
  return rows;
}
