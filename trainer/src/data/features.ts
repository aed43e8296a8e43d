/**
 * Waves → GANSynth features with the engine's own ops (src/engine/spectral.ts), so training sees exactly what the
 * instrument inverts. The trainer caches RAW features (identity normalisation: log mel magnitude, mel IF) and
 * applies the normaliser at batch time, so the cache does not depend on the normaliser.
 */
import * as tf from '@tensorflow/tfjs-core';
import { wavesToFeatures } from 'gansynth-web/engine/spectral';
import type { NormalizationConfig, SpectralConfig } from 'gansynth-web/shared/model-config';

/** x·1 + 0 on both channels: wavesToFeatures with this gives the raw log mel magnitude and mel IF. */
export const IDENTITY_NORMALIZATION: NormalizationConfig = Object.freeze({ magA: 1, magB: 0, ifA: 1, ifB: 0 });

/** Values in one example's features: frames × bins × 2 (interleaved channels). */
export function featureSize(spec: SpectralConfig): number {
  return spec.frames * spec.bins * 2;
}

/**
 * Magenta's crop_or_pad: cut to `length`, or zero-pad at the end. NSynth notes are already 64,000 samples;
 * other sources (a SoundFont rendered at other durations) are made to fit.
 */
export function cropOrPad(wave: Float32Array, length: number): Float32Array {
  if (wave.length === length) return wave;
  const out = new Float32Array(length);
  out.set(wave.subarray(0, Math.min(length, wave.length)));
  return out;
}

/**
 * Features of a batch of waves, one Float32Array (`[frames, bins, 2]` row-major) per wave.
 * Needs an initialised tfjs backend (src/node/backends.ts). Leaves no tensors behind.
 * @param norm default identity (raw features, as cached).
 */
export async function computeFeatures(
  waves: readonly Float32Array[],
  spec: SpectralConfig,
  norm: NormalizationConfig = IDENTITY_NORMALIZATION,
): Promise<Float32Array[]> {
  if (waves.length === 0) return [];
  const n = spec.audioLengthSamples;
  const flat = new Float32Array(waves.length * n);
  waves.forEach((w, i) => flat.set(cropOrPad(w, n), i * n));
  const features = tf.tidy(() => wavesToFeatures(tf.tensor2d(flat, [waves.length, n]), spec, norm));
  try {
    const data = (await features.data()) as Float32Array;
    const size = featureSize(spec);
    return waves.map((_, i) => data.slice(i * size, (i + 1) * size));
  } finally {
    features.dispose();
  }
}
