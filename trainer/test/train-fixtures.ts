/**
 * Shared fixtures of the training tests: a tiny training config that runs on the CPU backend in seconds, and a
 * seeded synthetic in-memory dataset (support/training-features.ts, which the training bench uses too). The data
 * pipeline has its own tests; these exercise the trainer.
 */
import { TINY_CONFIG, type ModelConfig } from 'gansynth-web/shared/model-config';
import { useTrainingBackend } from '../src/train/backend.ts';
import { type TrainConfig, resolveTrainConfig } from '../src/train/configs.ts';
import { InMemoryTrainData } from '../src/train/data-source.ts';
import { syntheticFeatures } from '../../support/training-features.ts';

/**
 * TINY_CONFIG with 8 latent dimensions and 4 pitches: block 1's [2, 16]-kernel conv over latent ‖ one-hot
 * channels dominates a CPU step (tfjs-backend-cpu's Conv2DBackpropFilter), and this keeps it ~40× smaller.
 */
export const TEST_MODEL: ModelConfig = Object.freeze({ ...TINY_CONFIG, name: 'tiny-test', latentSize: 8, pitchMin: 60, pitchMax: 63 });

/** `tiny` on TEST_MODEL, batch 2, with `stageImages` per stable/transition stage. */
export function testTrainConfig(stageImages = 4, overrides: Partial<TrainConfig> = {}): TrainConfig {
  return resolveTrainConfig('tiny', {
    model: TEST_MODEL, batchSizeSchedule: [2], stableStageImages: stageImages, transitionStageImages: stageImages, fakeBatchSize: 2, ...overrides,
  });
}

/** A fresh in-memory dataset (same seed → same data and order). */
export function testData(model: ModelConfig = TEST_MODEL, n = 8, seed = 11): InMemoryTrainData {
  const { features, pitches } = syntheticFeatures(model, n, seed);
  return new InMemoryTrainData(model, features, pitches, seed);
}

/** Initialises the CPU backend and the gradient registry once. */
export async function cpuTraining(): Promise<void> {
  await useTrainingBackend('cpu');
}
