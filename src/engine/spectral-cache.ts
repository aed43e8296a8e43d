/**
 * Per-backend cache of the spectral ops' constant tensors (DFT bases, twiddles, mel indices/weights): built
 * once, kept out of every `tf.tidy`, freed all at once by {@link disposeSpectralCache}.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { SpectralConfig } from '../shared/model-config.ts';

const cache = new Map<string, tf.Tensor>();

/**
 * A constant (float32, or int32 indices) built once per (backend, name, spec) and kept alive across `tf.tidy` scopes.
 * Shared by the spectral ops in this folder; free with {@link disposeSpectralCache}.
 */
export function cachedConstant(
  name: string,
  spec: SpectralConfig,
  shape: [number, number],
  build: () => ArrayLike<number>,
  dtype: 'float32' | 'int32' = 'float32',
): tf.Tensor2D {
  const key = `${tf.getBackend()}|${name}|${spec.nFft}/${spec.hopSamples}/${spec.bins}@${spec.sampleRateHz}`;
  let t = cache.get(key);
  if (!t || t.isDisposed) {
    const values = dtype === 'int32' ? Int32Array.from(build()) : Float32Array.from(build());
    t = tf.keep(tf.tensor2d(values, shape, dtype));
    cache.set(key, t);
  }
  return t as tf.Tensor2D;
}

/** Disposes every cached basis / mel matrix (all backends). The next op call rebuilds what it needs. */
export function disposeSpectralCache(): void {
  for (const t of cache.values()) if (!t.isDisposed) t.dispose();
  cache.clear();
}
