/**
 * Magenta's STFT and TF's inverse STFT as plain tfjs-core ops (slice, concat, pad, matmul, addN), so they
 * run on every backend (cpu, wasm, webgl, webgpu) without an FFT kernel; the DFT is a matmul against a
 * cached, windowed cos/sin basis, which is also what GPUs do fastest at this size.
 *
 * Cost per example (GANSynth: 128 frames, nFft 2048, 1024 bins): one [128, 2048] × [2048, 2048] matmul
 * = 2·128·2048·2048 ≈ 1.07 GFLOP for `stft` and the same for `istft`; the framing / overlap-add are
 * memory moves (~0.3 M elements). Basis memory: 2 × 16 MiB of float32 per backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { SpectralConfig } from '../shared/model-config.ts';
import { frontPaddingSamples, hannPeriodic, inverseStftWindow } from './spectral-reference.ts';

/** A complex spectrogram as two real tensors `[batch, frames, bins]`. */
export interface ComplexSpectrogram {
  readonly re: tf.Tensor3D;
  readonly im: tf.Tensor3D;
}

/** Throws unless `spec` is a framing these ops implement (bins = nFft/2, nFft a multiple of the hop). */
export function validateSpectralConfig(spec: SpectralConfig): void {
  const bad = (why: string): never => {
    throw new Error(`spectral config: ${why}`);
  };
  for (const k of ['sampleRateHz', 'audioLengthSamples', 'nFft', 'hopSamples', 'frames', 'bins'] as const) {
    if (!Number.isInteger(spec[k]) || spec[k] <= 0) bad(`${k} must be a positive integer, got ${spec[k]}`);
  }
  if (spec.bins * 2 !== spec.nFft) bad(`bins (${spec.bins}) must be nFft/2 (${spec.nFft / 2}): Magenta drops DC and keeps Nyquist`);
  if (spec.nFft % spec.hopSamples !== 0) bad(`nFft (${spec.nFft}) must be a multiple of hopSamples (${spec.hopSamples})`);
  frontPaddingSamples(spec); // throws when the frames cannot cover the audio
}

// ---- per-backend constant cache (kept out of every tidy; disposeSpectralCache() frees it) ----

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

/** cos/sin of 2π·k·n/N with k·n reduced mod N first, so the float64 argument stays small and exact. */
function twiddle(k: number, n: number, nFft: number): [number, number] {
  const a = (2 * Math.PI * ((k * n) % nFft)) / nFft;
  return [Math.cos(a), Math.sin(a)];
}

/** Forward basis `[nFft, 2·bins]`: Hann-windowed cos | −sin for bins 1..nFft/2 (DC dropped). */
function forwardBasis(spec: SpectralConfig): tf.Tensor2D {
  return cachedConstant('stft-basis', spec, [spec.nFft, 2 * spec.bins], () => {
    const { nFft, bins } = spec;
    const w = hannPeriodic(nFft);
    const b = new Float64Array(nFft * 2 * bins);
    for (let n = 0; n < nFft; n++) {
      for (let j = 0; j < bins; j++) {
        const [c, s] = twiddle(j + 1, n, nFft);
        b[n * 2 * bins + j] = w[n] * c;
        b[n * 2 * bins + bins + j] = -w[n] * s;
      }
    }
    return b;
  });
}

/**
 * Inverse basis `[2·bins, nFft]`: TF's irfft (Hermitian, DC = 0, imaginary Nyquist ignored) times the
 * inverse-STFT window, so one matmul yields windowed time frames ready to overlap-add.
 */
function inverseBasis(spec: SpectralConfig): tf.Tensor2D {
  return cachedConstant('istft-basis', spec, [2 * spec.bins, spec.nFft], () => {
    const { nFft, bins, hopSamples } = spec;
    const win = inverseStftWindow(nFft, hopSamples);
    const b = new Float64Array(2 * bins * nFft);
    for (let j = 0; j < bins; j++) {
      const k = j + 1;
      const weight = (k === nFft / 2 ? 1 : 2) / nFft;
      for (let n = 0; n < nFft; n++) {
        const [c, s] = twiddle(k, n, nFft);
        b[j * nFft + n] = weight * c * win[n];
        b[(bins + j) * nFft + n] = k === nFft / 2 ? 0 : -weight * s * win[n];
      }
    }
    return b;
  });
}

/**
 * Magenta `waves_to_stfts`: pad `frontPadding` zeros at the front (3072 for GANSynth), frame (nFft, hop),
 * periodic Hann, DFT, drop the DC bin (Nyquist kept).
 * @param waves `[batch, audioLengthSamples]`
 * @returns re, im `[batch, frames, bins]` (bin j is frequency (j+1)·sampleRate/nFft)
 */
export function stft(waves: tf.Tensor2D, spec: SpectralConfig): ComplexSpectrogram {
  validateSpectralConfig(spec);
  if (waves.rank !== 2 || waves.shape[1] !== spec.audioLengthSamples) {
    throw new Error(`stft: waves must be [batch, ${spec.audioLengthSamples}], got [${waves.shape.join(', ')}]`);
  }
  const { nFft, hopSamples, frames, bins } = spec;
  const batch = waves.shape[0];
  const basis = forwardBasis(spec);
  const [re, im] = tf.tidy(() => {
    const padded = tf.pad(waves, [[0, 0], [frontPaddingSamples(spec), 0]]);
    // nFft = R·hop: frame t is hop-blocks t..t+R−1, so framing is R shifted slices of the block view.
    const r = nFft / hopSamples;
    const blocks = tf.reshape(padded, [batch, frames - 1 + r, hopSamples]);
    const parts: tf.Tensor3D[] = [];
    for (let i = 0; i < r; i++) parts.push(tf.slice(blocks, [0, i, 0], [batch, frames, hopSamples]) as tf.Tensor3D);
    const framed = tf.reshape(r === 1 ? parts[0] : tf.concat(parts, 2), [batch * frames, nFft]);
    const spectrum = tf.matMul(framed, basis); // [batch·frames, 2·bins]
    return [
      tf.reshape(tf.slice(spectrum, [0, 0], [batch * frames, bins]), [batch, frames, bins]) as tf.Tensor3D,
      tf.reshape(tf.slice(spectrum, [0, bins], [batch * frames, bins]), [batch, frames, bins]) as tf.Tensor3D,
    ];
  });
  return { re, im };
}

/**
 * Magenta `stfts_to_waves` = TF `inverse_stft` with `inverse_stft_window_fn` (Hann / Σ shifted Hann², i.e.
 * Hann/1.5 at 75 % overlap), a zero DC bin re-added, and the front padding removed: returns exactly
 * `audioLengthSamples` samples, y[pad : pad + audioLength]. (magenta-js returns y[3072:64000], 3072 short.)
 * Like TF, the last nFft−hop samples see fewer overlapping frames and are attenuated (Magenta's tail effect).
 * @param re `[batch, frames, bins]`
 * @param im `[batch, frames, bins]`
 * @returns `[batch, audioLengthSamples]`
 */
export function istft(re: tf.Tensor3D, im: tf.Tensor3D, spec: SpectralConfig): tf.Tensor2D {
  validateSpectralConfig(spec);
  const { nFft, hopSamples, frames, bins } = spec;
  for (const [name, t] of [['re', re], ['im', im]] as const) {
    if (t.rank !== 3 || t.shape[1] !== frames || t.shape[2] !== bins) {
      throw new Error(`istft: ${name} must be [batch, ${frames}, ${bins}], got [${t.shape.join(', ')}]`);
    }
  }
  if (re.shape[0] !== im.shape[0]) throw new Error(`istft: re and im batch differ (${re.shape[0]} vs ${im.shape[0]})`);
  const batch = re.shape[0];
  const basis = inverseBasis(spec);
  return tf.tidy(() => {
    const spectrum = tf.reshape(tf.concat([re, im], 2), [batch * frames, 2 * bins]);
    const windowed = tf.reshape(tf.matMul(spectrum, basis), [batch, frames, nFft]);
    // Overlap-add: frame t's r-th hop-block lands on block t+r; shift each r-slice by padding and sum.
    const r = nFft / hopSamples;
    const shifted: tf.Tensor3D[] = [];
    for (let i = 0; i < r; i++) {
      const part = tf.slice(windowed, [0, 0, i * hopSamples], [batch, frames, hopSamples]);
      shifted.push(tf.pad(part, [[0, 0], [i, r - 1 - i], [0, 0]]) as tf.Tensor3D);
    }
    const summed = r === 1 ? shifted[0] : tf.addN(shifted);
    const y = tf.reshape(summed, [batch, (frames - 1 + r) * hopSamples]);
    return tf.slice(y, [0, frontPaddingSamples(spec)], [batch, spec.audioLengthSamples]) as tf.Tensor2D;
  });
}
