/**
 * Adapts the data pipeline's Batcher (trainer/src/data/batcher.ts: seeded shuffle, normalisation, resumable
 * state) to the training loop's TrainData. Magenta's batch size changes with the stage, while a Batcher has one
 * size, so the adapter drives a size-1 Batcher and stacks `n` draws: the example order is the same.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig, NormalizationConfig } from '../../../src/shared/model-config.ts';
import { pitchCount } from '../../../src/shared/model-config.ts';
import { Batcher, type BatcherState, type FeatureSource } from '../data/batcher.ts';
import type { RealBatch, TrainData } from './data-source.ts';

/** TrainData over a feature source (e.g. the FeatureCache of prepareTrainingData). */
export class BatcherTrainData implements TrainData {
  readonly pitches: readonly number[];
  private readonly batcher: Batcher;

  constructor(private readonly model: ModelConfig, source: FeatureSource, normalization: NormalizationConfig, seed: number) {
    this.pitches = source.entries.map((e) => e.pitch);
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

  cursor(): unknown {
    return this.batcher.getState();
  }

  restore(cursor: unknown): void {
    this.batcher.setState(cursor as BatcherState);
  }
}
