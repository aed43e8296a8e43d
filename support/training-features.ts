/**
 * A seeded synthetic training set for the trainer's tests (trainer/test/train-fixtures.ts) and the training bench:
 * pitch-dependent "spectrograms" (a bright horizontal band whose height follows the pitch, plus seeded noise), in
 * memory. Speed does not depend on the data, and the tests need only something learnable.
 */
import type { ModelConfig } from '../src/shared/model-config.ts';
import { SeededRandom } from '../src/shared/random.ts';

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
