/**
 * What the training loop needs from a dataset, and an in-memory implementation (tests, small datasets).
 * A source is resumable: `cursor()` is JSON data that `restore()` turns back into the same position and the
 * same future batches.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from 'gansynth-web/shared/model-config';
import { pitchCount } from 'gansynth-web/shared/model-config';
import { SeededRandom } from 'gansynth-web/shared/random';

/** One batch of real examples. The caller disposes the tensors. */
export interface RealBatch {
  /** Normalised features [b, frames, bins, 2]. */
  features: tf.Tensor4D;
  /** One-hot pitch [b, pitchCount]. */
  pitchOneHot: tf.Tensor2D;
}

/** A resumable stream of real batches. */
export interface TrainData {
  /** MIDI pitch of every example (fake pitches are drawn from this distribution, as Magenta's provide_one_hot_labels). */
  readonly pitches: readonly number[];
  /** The next `batchSize` examples (epochs wrap around, reshuffled). */
  nextBatch(batchSize: number): RealBatch;
  /** JSON-serialisable position. */
  cursor(): unknown;
  /** Returns to a position `cursor()` gave. */
  restore(cursor: unknown): void;
}

interface MemoryCursor {
  epoch: number;
  index: number;
  epochSeed: number;
}

/**
 * Examples held in memory as one Float32Array ([n, frames, bins, 2] row-major), visited in a seeded
 * permutation per epoch.
 */
export class InMemoryTrainData implements TrainData {
  private order: number[] = [];
  private c: MemoryCursor;
  private readonly exampleSize: number;

  constructor(
    private readonly config: ModelConfig,
    private readonly features: Float32Array,
    readonly pitches: readonly number[],
    seed: number,
  ) {
    const { frames, bins } = config.spectral;
    this.exampleSize = frames * bins * config.colors;
    if (pitches.length === 0) throw new Error('training data is empty');
    if (features.length !== pitches.length * this.exampleSize) {
      throw new Error(`features hold ${features.length / this.exampleSize} examples but ${pitches.length} pitches were given`);
    }
    for (const p of pitches) {
      if (!Number.isInteger(p) || p < config.pitchMin || p > config.pitchMax) throw new Error(`pitch ${p} outside ${config.pitchMin}..${config.pitchMax}`);
    }
    this.c = { epoch: 0, index: 0, epochSeed: seed >>> 0 };
    this.shuffle();
  }

  private shuffle(): void {
    const rng = new SeededRandom(this.c.epochSeed + this.c.epoch * 0x9e3779b1);
    this.order = rng.shuffle(Array.from({ length: this.pitches.length }, (_, i) => i));
  }

  nextBatch(batchSize: number): RealBatch {
    const { frames, bins } = this.config.spectral;
    const out = new Float32Array(batchSize * this.exampleSize);
    const labels: number[] = [];
    for (let i = 0; i < batchSize; i++) {
      if (this.c.index >= this.order.length) {
        this.c = { ...this.c, epoch: this.c.epoch + 1, index: 0 };
        this.shuffle();
      }
      const ex = this.order[this.c.index++]!;
      out.set(this.features.subarray(ex * this.exampleSize, (ex + 1) * this.exampleSize), i * this.exampleSize);
      labels.push(this.pitches[ex]! - this.config.pitchMin);
    }
    return {
      features: tf.tensor4d(out, [batchSize, frames, bins, this.config.colors]),
      pitchOneHot: tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), pitchCount(this.config)) as tf.Tensor2D),
    };
  }

  cursor(): unknown {
    return { ...this.c };
  }

  restore(cursor: unknown): void {
    const c = cursor as MemoryCursor;
    if (!c || !Number.isInteger(c.epoch) || !Number.isInteger(c.index) || !Number.isInteger(c.epochSeed)) throw new Error(`bad data cursor ${JSON.stringify(cursor)}`);
    this.c = { ...c };
    this.shuffle();
  }
}
