/**
 * Shared fixtures of the training tests: a tiny training config that runs on the CPU backend in seconds, and a
 * seeded synthetic dataset of pitch-dependent "spectrograms" (a bright horizontal band whose height follows the
 * pitch, plus seeded noise), in memory. The data pipeline has its own tests; these exercise the trainer.
 */
import { TINY_CONFIG, type ModelConfig } from 'gansynth-web/shared/model-config';
import { SeededRandom } from 'gansynth-web/shared/random';
import { useTrainingBackend } from '../src/train/backend.ts';
import { type TrainConfig, resolveTrainConfig } from '../src/train/configs.ts';
import { InMemoryTrainData } from '../src/train/data-source.ts';

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

/** Pitch-band features in [-1, 1]: n examples cycling over the model's pitches. */
export function syntheticFeatures(model: ModelConfig, n: number, seed: number): { features: Float32Array; pitches: number[] } {
  const { frames, bins } = model.spectral;
  const rng = new SeededRandom(seed);
  const features = new Float32Array(n * frames * bins * 2);
  const pitches: number[] = [];
  for (let e = 0; e < n; e++) {
    const pitch = model.pitchMin + (e % (model.pitchMax - model.pitchMin + 1));
    pitches.push(pitch);
    const band = Math.floor(((pitch - model.pitchMin + 1) * bins) / (model.pitchMax - model.pitchMin + 3));
    for (let t = 0; t < frames; t++) {
      for (let f = 0; f < bins; f++) {
        const i = ((e * frames + t) * bins + f) * 2;
        const near = Math.abs(f - band) < 24 ? 1 : 0;
        features[i] = Math.max(-1, Math.min(1, -0.8 + 1.6 * near * Math.exp(-t / 64) + 0.05 * rng.normal()));
        features[i + 1] = Math.max(-1, Math.min(1, 0.1 * rng.normal()));
      }
    }
  }
  return { features, pitches };
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
