/**
 * Magenta's STFT and TF's inverse STFT as plain tfjs-core ops (slice, concat, pad, transpose, matmul, addN),
 * so they run on every backend (cpu, wasm, webgl, webgpu) without an FFT kernel; the DFTs are matmuls
 * against cached cos/sin bases, split once Cooley–Tukey style (dft.ts).
 *
 * Cost per example (GANSynth: 128 frames, nFft 2048 = 64·32, 1024 bins): ≈ 128 × 0.8 MFLOP ≈ 0.1 GFLOP for
 * `stft` and the same for `istft` (a dense [2048, 2048] basis would be 1.07 GFLOP); framing, transposes and
 * overlap-add are memory moves of ~0.3–1 M elements. Constant memory: < 100 KiB of float32 per backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { SpectralConfig } from '../shared/model-config.ts';
import { inverseRealDft, realDft } from './dft.ts';
import { cachedConstant } from './spectral-cache.ts';
import { frontPaddingSamples, hannPeriodic, inverseStftWindow } from './spectral-reference.ts';

export { disposeSpectralCache } from './spectral-cache.ts';

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

/** The analysis window (periodic Hann) as a cached `[1, nFft]` row. */
const analysisWindow = (spec: SpectralConfig) => cachedConstant('hann', spec, [1, spec.nFft], () => hannPeriodic(spec.nFft));
/** TF's inverse_stft_window_fn (Hann / Σ shifted Hann²) as a cached `[1, nFft]` row. */
const synthesisWindow = (spec: SpectralConfig) =>
  cachedConstant('inverse-hann', spec, [1, spec.nFft], () => inverseStftWindow(spec.nFft, spec.hopSamples));

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
  const window = analysisWindow(spec);
  const [re, im] = tf.tidy(() => {
    const padded = tf.concat([tf.zeros([batch, frontPaddingSamples(spec)]), waves], 1);
    // nFft = R·hop: frame t is hop-blocks t..t+R−1. Blocks go time-major first so that each shifted view is
    // a contiguous slice (tfjs-cpu copies non-contiguous slices element by element).
    const r = nFft / hopSamples;
    const blocks = tf.transpose(tf.reshape(padded, [batch, frames - 1 + r, hopSamples]), [1, 0, 2]); // [blocks, b, hop]
    const parts: tf.Tensor3D[] = [];
    for (let i = 0; i < r; i++) parts.push(tf.slice(blocks, [i, 0, 0], [frames, batch, hopSamples]) as tf.Tensor3D);
    const framesMajor = r === 1 ? parts[0] : tf.concat(parts, 2); // [frames, b, nFft]
    const framed = tf.reshape(tf.transpose(framesMajor, [1, 0, 2]), [batch * frames, nFft]);
    const [fr, fi] = realDft(tf.mul(framed, window) as tf.Tensor2D, spec); // [batch·frames, bins] each
    return [tf.reshape(fr, [batch, frames, bins]) as tf.Tensor3D, tf.reshape(fi, [batch, frames, bins]) as tf.Tensor3D];
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
  const window = synthesisWindow(spec);
  return tf.tidy(() => {
    const rows = batch * frames;
    const timeFrames = inverseRealDft(tf.reshape(re, [rows, bins]), tf.reshape(im, [rows, bins]), spec);
    const windowed = tf.reshape(tf.mul(timeFrames, window), [batch, frames, nFft]);
    // Overlap-add: frame t's i-th hop-block lands on block t+i. Put i outermost so each part is a contiguous
    // slice, shift it by concatenating zero blocks (cheaper than pad on tfjs-cpu), and sum.
    const r = nFft / hopSamples;
    const byOffset = tf.transpose(tf.reshape(windowed, [batch, frames, r, hopSamples]), [2, 0, 1, 3]); // [r, b, frames, hop]
    const shifted: tf.Tensor3D[] = [];
    for (let i = 0; i < r; i++) {
      const part = tf.reshape(tf.slice(byOffset, [i, 0, 0, 0], [1, batch, frames, hopSamples]), [batch, frames, hopSamples]);
      const pieces: tf.Tensor[] = [];
      if (i > 0) pieces.push(tf.zeros([batch, i, hopSamples]));
      pieces.push(part);
      if (r - 1 - i > 0) pieces.push(tf.zeros([batch, r - 1 - i, hopSamples]));
      shifted.push((pieces.length === 1 ? pieces[0] : tf.concat(pieces, 1)) as tf.Tensor3D);
    }
    const summed = r === 1 ? shifted[0] : tf.addN(shifted);
    const y = tf.reshape(summed, [batch, (frames - 1 + r) * hopSamples]);
    return tf.slice(y, [0, frontPaddingSamples(spec)], [batch, spec.audioLengthSamples]) as tf.Tensor2D;
  });
}
