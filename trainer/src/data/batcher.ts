/**
 * Training batches: a seeded shuffle of the examples per epoch (SeededRandom), each batch the normalised features
 * `[batch, frames, bins, 2]` with the pitches and their one-hot labels `[batch, pitchCount]` (index = pitch −
 * pitchMin, as Magenta's label table over pitches 24..84). Infinite: the next epoch reshuffles.
 * Also Magenta's generator-label sampling: pitches drawn in proportion to the dataset's pitch counts.
 */
import type { NormalizationConfig } from 'gansynth-web/shared/model-config';
import { SeededRandom } from 'gansynth-web/shared/random';
import { normalizeFeatures } from './normalizer.ts';

/** Where batches come from (a FeatureCache fits). */
export interface FeatureSource {
  readonly size: number;
  readonly featureSize: number;
  readonly entries: readonly { pitch: number }[];
  read(i: number, out?: Float32Array): Float32Array;
}

/** One batch, as typed arrays ready for tf.tensor4d / tf.tensor2d. */
export interface Batch {
  size: number;
  /** Normalised, clipped features, `[size, frames, bins, 2]` flattened. */
  features: Float32Array;
  pitches: Int32Array;
  /** `[size, pitchCount]` flattened. */
  oneHot: Float32Array;
  /** Example indices in the source. */
  indices: Int32Array;
  epoch: number;
}

/** Options of {@link Batcher}. */
export interface BatcherOptions {
  batchSize: number;
  normalization: NormalizationConfig;
  seed: number;
  pitchMin: number;
  pitchCount: number;
}

/** One-hot rows for pitches (index pitch − pitchMin); throws for a pitch outside the range. */
export function pitchOneHot(pitches: ArrayLike<number>, pitchMin: number, pitchCount: number): Float32Array {
  const out = new Float32Array(pitches.length * pitchCount);
  for (let i = 0; i < pitches.length; i++) {
    const k = pitches[i] - pitchMin;
    if (!Number.isInteger(k) || k < 0 || k >= pitchCount) throw new Error(`pitch ${pitches[i]} outside ${pitchMin}..${pitchMin + pitchCount - 1}`);
    out[i * pitchCount + k] = 1;
  }
  return out;
}

/** Count of examples per pitch. */
export function pitchCounts(pitches: Iterable<number>): Map<number, number> {
  const m = new Map<number, number>();
  for (const p of pitches) m.set(p, (m.get(p) ?? 0) + 1);
  return new Map([...m].sort((a, b) => a[0] - b[0]));
}

/** Magenta's provide_one_hot_labels: `n` pitches drawn with probability ∝ count. */
export function samplePitches(counts: Map<number, number>, n: number, rng: SeededRandom): number[] {
  const keys = [...counts.keys()];
  const cum: number[] = [];
  let total = 0;
  for (const k of keys) cum.push((total += counts.get(k)!));
  if (total <= 0) throw new Error('samplePitches: no counts');
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const u = rng.next() * total;
    let lo = 0, hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid] > u) hi = mid;
      else lo = mid + 1;
    }
    out.push(keys[lo]);
  }
  return out;
}

/** A batcher's resumable state. */
export interface BatcherState {
  rngState: number;
  order: number[];
  position: number;
  epochCount: number;
}

/** Shuffled, normalised, labelled batches over a feature source. */
export class Batcher {
  private readonly o: BatcherOptions;
  private readonly rng: SeededRandom;
  private order: number[] = [];
  private position = 0;
  private epochCount = -1;
  private readonly scratch: Float32Array;

  constructor(private readonly source: FeatureSource, options: BatcherOptions) {
    this.o = { ...options };
    const { batchSize, pitchMin, pitchCount } = this.o;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
    if (source.size === 0) throw new Error('Batcher: the source has no examples');
    for (const e of source.entries) {
      if (e.pitch < pitchMin || e.pitch >= pitchMin + pitchCount) throw new Error(`Batcher: example pitch ${e.pitch} outside the model's ${pitchMin}..${pitchMin + pitchCount - 1}; filter the dataset`);
    }
    this.rng = new SeededRandom(options.seed);
    this.scratch = new Float32Array(source.featureSize);
  }

  /** Epochs started so far − 1 (0 during the first). */
  get epoch(): number {
    return Math.max(0, this.epochCount);
  }

  /** Everything needed to resume exactly where this batcher is (save it with a training checkpoint). */
  getState(): BatcherState {
    return { rngState: this.rng.state, order: [...this.order], position: this.position, epochCount: this.epochCount };
  }

  /** Restores a state from {@link getState} (same source and options). */
  setState(s: BatcherState): void {
    if (s.order.some((i) => !Number.isInteger(i) || i < 0 || i >= this.source.size)) throw new Error('Batcher.setState: order does not fit this source');
    this.rng.state = s.rngState;
    this.order = [...s.order];
    this.position = s.position;
    this.epochCount = s.epochCount;
  }

  /** The next batch; an epoch boundary reshuffles and continues, so every batch is full. */
  next(): Batch {
    const { batchSize, normalization, pitchMin, pitchCount } = this.o;
    const size = this.source.featureSize;
    const features = new Float32Array(batchSize * size);
    const pitches = new Int32Array(batchSize);
    const indices = new Int32Array(batchSize);
    for (let b = 0; b < batchSize; b++) {
      if (this.position >= this.order.length) {
        this.order = this.rng.shuffle(Array.from({ length: this.source.size }, (_, i) => i));
        this.position = 0;
        this.epochCount++;
      }
      const i = this.order[this.position++];
      normalizeFeatures(this.source.read(i, this.scratch), normalization, features, b * size);
      pitches[b] = this.source.entries[i].pitch;
      indices[b] = i;
    }
    return { size: batchSize, features, pitches, oneHot: pitchOneHot(pitches, pitchMin, pitchCount), indices, epoch: this.epoch };
  }
}
