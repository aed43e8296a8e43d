/**
 * Feature normalisation as Magenta's data_normalizer.py: per channel x·a + b, clipped to [−1, 1] (normalize_op).
 * Two methods:
 * - 'prespecified': Magenta's constants (mag a=0.0661371661726 b=0.113718730221, IF a=0.8 b=0), what its
 *   released models use (SpecgramsPrespecifiedNormalizer, model.py's default);
 * - 'range': SpecgramsSimpleNormalizer — per channel, map [min, max] of the training data to [−margin, margin]:
 *   a = margin·2/(max−min), b = margin·(−2·min/(max−min) − 1), over the first `normalizer_num_examples` (1000).
 * The result is saved as JSON next to the model (model.json's `normalization`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { MAGENTA_NORMALIZATION, type NormalizationConfig } from 'gansynth-web/shared/model-config';

/** Magenta's defaults: normalizer_margin 0.8, normalizer_num_examples 1000. */
export const NORMALIZER_DEFAULTS = Object.freeze({ margin: 0.8, numExamples: 1000 });

/** Observed range of one channel. */
export interface ChannelRange {
  min: number;
  max: number;
}

/** Saved normaliser. */
export interface NormalizerFile {
  format: 'gansynth-web/normalizer/1';
  method: 'prespecified' | 'range';
  normalization: NormalizationConfig;
  /** 'range' only: margin, examples seen and the raw ranges [magnitude, IF]. */
  margin?: number;
  numExamples?: number;
  ranges?: [ChannelRange, ChannelRange];
}

/** Magenta's _range_normalizer: (a, b) mapping [min, max] to [−margin, margin]. */
export function rangeNormalizer(range: ChannelRange, margin: number): { a: number; b: number } {
  const span = range.max - range.min;
  if (!(span > 0) || !Number.isFinite(span)) throw new Error(`range normaliser needs max > min, got [${range.min}, ${range.max}]`);
  return { a: margin * (2 / span), b: margin * ((-2 * range.min) / span - 1) };
}

/** Streams raw features (interleaved `[..., 2]`) and keeps each channel's min and max. */
export class RangeAccumulator {
  readonly ranges: [ChannelRange, ChannelRange] = [{ min: Infinity, max: -Infinity }, { min: Infinity, max: -Infinity }];
  examples = 0;

  /** Adds one example's raw features. Non-finite values are an error: they would poison the ranges. */
  add(features: Float32Array): void {
    if (features.length % 2 !== 0) throw new Error('features must interleave 2 channels');
    const [m, f] = this.ranges;
    let mMin = m.min, mMax = m.max, fMin = f.min, fMax = f.max;
    for (let i = 0; i < features.length; i += 2) {
      const a = features[i], b = features[i + 1];
      if (a < mMin) mMin = a;
      if (a > mMax) mMax = a;
      if (b < fMin) fMin = b;
      if (b > fMax) fMax = b;
    }
    if (![mMin, mMax, fMin, fMax].every(Number.isFinite)) throw new Error(`non-finite feature values in example ${this.examples}`);
    m.min = mMin; m.max = mMax; f.min = fMin; f.max = fMax;
    this.examples++;
  }

  /** The 'range' normaliser of what was seen. */
  result(margin: number = NORMALIZER_DEFAULTS.margin): NormalizerFile {
    if (this.examples === 0) throw new Error('range normaliser: no examples');
    if (!(margin > 0 && margin <= 1)) throw new Error(`margin must be in (0, 1], got ${margin}`);
    const mag = rangeNormalizer(this.ranges[0], margin);
    const ifr = rangeNormalizer(this.ranges[1], margin);
    return {
      format: 'gansynth-web/normalizer/1', method: 'range', margin, numExamples: this.examples,
      ranges: [{ ...this.ranges[0] }, { ...this.ranges[1] }],
      normalization: { magA: mag.a, magB: mag.b, ifA: ifr.a, ifB: ifr.b },
    };
  }
}

/** Magenta's prespecified normaliser. */
export function prespecifiedNormalizer(): NormalizerFile {
  return { format: 'gansynth-web/normalizer/1', method: 'prespecified', normalization: { ...MAGENTA_NORMALIZATION } };
}

/**
 * Normalises raw features in place or into `out`: x·a + b per channel, clipped to [−1, 1] as Magenta's
 * normalize_op does for training data.
 */
export function normalizeFeatures(raw: Float32Array, norm: NormalizationConfig, out: Float32Array = new Float32Array(raw.length), outOffset = 0): Float32Array {
  const { magA, magB, ifA, ifB } = norm;
  for (let i = 0; i < raw.length; i += 2) {
    const m = raw[i] * magA + magB;
    const f = raw[i + 1] * ifA + ifB;
    out[outOffset + i] = m < -1 ? -1 : m > 1 ? 1 : m;
    out[outOffset + i + 1] = f < -1 ? -1 : f > 1 ? 1 : f;
  }
  return out;
}

function checkNormalization(n: unknown, where: string): NormalizationConfig {
  const o = n as Record<string, unknown>;
  for (const k of ['magA', 'magB', 'ifA', 'ifB']) {
    if (typeof o?.[k] !== 'number' || !Number.isFinite(o[k] as number)) throw new Error(`${where}: normalization.${k} must be a finite number`);
  }
  if (o.magA === 0 || o.ifA === 0) throw new Error(`${where}: normalization magA/ifA must be non-zero`);
  return { magA: o.magA as number, magB: o.magB as number, ifA: o.ifA as number, ifB: o.ifB as number };
}

/** Writes a normaliser as JSON. */
export function saveNormalizer(path: string, n: NormalizerFile): void {
  writeFileSync(path, JSON.stringify(n, null, 1) + '\n');
}

/** Reads and validates a normaliser JSON. */
export function loadNormalizer(path: string): NormalizerFile {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`cannot read normaliser '${path}': ${(e as Error).message}`);
  }
  if (raw.format !== 'gansynth-web/normalizer/1') throw new Error(`${path}: not a gansynth-web normaliser (format ${JSON.stringify(raw.format)})`);
  if (raw.method !== 'range' && raw.method !== 'prespecified') throw new Error(`${path}: unknown method ${JSON.stringify(raw.method)}`);
  return { ...(raw as unknown as NormalizerFile), normalization: checkNormalization(raw.normalization, path) };
}
