/**
 * Adapts the data pipeline's Batcher (trainer/src/data/batcher.ts: seeded shuffle, normalisation, resumable
 * state) to the training loop's TrainData. Magenta's batch size changes with the stage, while a Batcher has one
 * size, so the adapter drives a size-1 Batcher and stacks `n` draws: the example order is the same.
 * The cursor names the dataset it indexes (a key of its example list), since a checkpoint travels to machines
 * that render the dataset anew: a cursor restored over another list is a clear error, not a silent reshuffle.
 */
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig, NormalizationConfig } from 'gansynth-web/shared/model-config';
import { pitchCount } from 'gansynth-web/shared/model-config';
import { Batcher, type BatcherState, type FeatureSource } from '../data/batcher.ts';
import type { RealBatch, TrainData } from './data-source.ts';

/** BatcherTrainData's cursor: the Batcher's state and the example list it indexes. */
export interface BatcherCursor {
  /** sha-256 (16 hex digits) of the examples' note_str (else pitch) list, in source order. */
  dataKey: string;
  examples: number;
  batcher: BatcherState;
}

/** The key of a source's example list (see BatcherCursor.dataKey). */
export function dataKeyOf(source: Pick<FeatureSource, 'entries'>): string {
  const names = source.entries.map((e) => (e as { note_str?: string }).note_str ?? String(e.pitch));
  return createHash('sha256').update(names.join('\n')).digest('hex').slice(0, 16);
}

/** TrainData over a feature source (e.g. the FeatureCache of prepareTrainingData). */
export class BatcherTrainData implements TrainData {
  readonly pitches: readonly number[];
  readonly dataKey: string;
  private readonly batcher: Batcher;

  constructor(private readonly model: ModelConfig, source: FeatureSource, normalization: NormalizationConfig, seed: number) {
    this.pitches = source.entries.map((e) => e.pitch);
    this.dataKey = dataKeyOf(source);
    this.batcher = new Batcher(source, { batchSize: 1, normalization, seed, pitchMin: model.pitchMin, pitchCount: pitchCount(model) });
    if (source.featureSize !== model.spectral.frames * model.spectral.bins * model.colors) {
      throw new Error(`feature size ${source.featureSize} does not match the model's ${model.spectral.frames}×${model.spectral.bins}×${model.colors}`);
    }
  }

  nextBatch(batchSize: number): RealBatch {
    const { frames, bins } = this.model.spectral;
    const size = frames * bins * this.model.colors;
    const pc = pitchCount(this.model);
    const features = new Float32Array(batchSize * size);
    const oneHot = new Float32Array(batchSize * pc);
    for (let i = 0; i < batchSize; i++) {
      const b = this.batcher.next();
      features.set(b.features, i * size);
      oneHot.set(b.oneHot, i * pc);
    }
    return { features: tf.tensor4d(features, [batchSize, frames, bins, this.model.colors]), pitchOneHot: tf.tensor2d(oneHot, [batchSize, pc]) };
  }

  cursor(): BatcherCursor {
    return { dataKey: this.dataKey, examples: this.pitches.length, batcher: this.batcher.getState() };
  }

  /** Restores a cursor of this dataset; a bare BatcherState (checkpoints before the key) is taken as it is. */
  restore(cursor: unknown): void {
    const c = cursor as Partial<BatcherCursor> | null;
    if (c && typeof c === 'object' && 'batcher' in c) {
      if (c.dataKey !== this.dataKey) {
        throw new Error(`the checkpoint's data cursor indexes another dataset (${c.examples} examples, key ${c.dataKey}); this one has ${this.pitches.length} examples, key ${this.dataKey}: render the dataset with the run's recipe`);
      }
      this.batcher.setState(c.batcher as BatcherState);
    } else this.batcher.setState(cursor as BatcherState);
  }
}
