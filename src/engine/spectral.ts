/**
 * GANSynth's spectral representation as pure tfjs-core ops (STYLE.md §7): every function takes and returns
 * tensors, allocates nothing that outlives it (constants excepted, see `disposeSpectralCache`), and works
 * batched on `[batch, frames, bins]` (time axis 1). Semantics follow magenta/models/gansynth/lib
 * (spectral_ops.py, specgrams_helper.py) and magenta-js (audio_utils.ts); spectral-reference.ts is the
 * float64 twin used by the conformance tests.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NormalizationConfig, SpectralConfig } from '../shared/model-config.ts';
import { linearToMelMatrix, melToLinearMatrix } from './mel.ts';
import { LOG_EPSILON } from './spectral-reference.ts';
import { cachedConstant, istft, stft, validateSpectralConfig } from './stft.ts';

export { LOG_EPSILON } from './spectral-reference.ts';
export { disposeSpectralCache, istft, stft, validateSpectralConfig, type ComplexSpectrogram } from './stft.ts';

/** A (log-magnitude, instantaneous-frequency) pair, each `[batch, frames, bins]`. */
export interface Specgram {
  readonly logMag: tf.Tensor3D;
  readonly ifreq: tf.Tensor3D;
}

/** Magenta `_safe_log(abs(stft))`: log(|re + i·im| + 1e-6), `[batch, frames, bins]`. */
export function logMagnitude(re: tf.Tensor3D, im: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => tf.log(tf.add(tf.sqrt(tf.add(tf.square(re), tf.square(im))), LOG_EPSILON)) as tf.Tensor3D);
}

/** tf.angle: atan2(im, re) in (−π, π], `[batch, frames, bins]`. */
export function phaseAngle(re: tf.Tensor3D, im: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => tf.atan2(im, re));
}

/** Finite difference along time: x[:, 1:] − x[:, :−1], `[batch, frames−1, bins]`. */
function diffTime(x: tf.Tensor3D): tf.Tensor3D {
  const [b, t, f] = x.shape;
  return tf.sub(tf.slice(x, [0, 1, 0], [b, t - 1, f]), tf.slice(x, [0, 0, 0], [b, t - 1, f]));
}

/** Magenta's wrapped difference: floormod(dd + π, 2π) − π, with −π mapped to +π where dd > 0. */
function wrappedDiff(dd: tf.Tensor3D): tf.Tensor3D {
  const twoPi = 2 * Math.PI;
  const shifted = tf.add(dd, Math.PI);
  const ddmod = tf.sub(tf.sub(shifted, tf.mul(tf.floor(tf.div(shifted, twoPi)), twoPi)), Math.PI);
  const flip = tf.logicalAnd(tf.equal(ddmod, -Math.PI), tf.greater(dd, 0));
  return tf.where(flip, tf.fill(dd.shape, Math.PI), ddmod) as tf.Tensor3D;
}

function checkRank3(name: string, x: tf.Tensor): void {
  if (x.rank !== 3) throw new Error(`${name}: expected [batch, frames, bins], got [${x.shape.join(', ')}]`);
}

/**
 * Magenta `unwrap(p, axis=time)`: p + cumsum(wrappedDiff(dd) − dd), first frame unchanged. (Magenta's
 * `discont` branch is dead code, so the correction applies for every |dd|; we do the same.)
 * @param phase `[batch, frames, bins]` radians
 */
export function unwrap(phase: tf.Tensor3D): tf.Tensor3D {
  checkRank3('unwrap', phase);
  return tf.tidy(() => {
    const dd = diffTime(phase);
    const correction = tf.cumsum(tf.sub(wrappedDiff(dd), dd), 1);
    const [b, , f] = phase.shape;
    return tf.add(phase, tf.concat([tf.zeros([b, 1, f]), correction], 1)) as tf.Tensor3D;
  });
}

/**
 * Magenta `instantaneous_frequency(phase, time_axis=-2)`: [unwrapped[0], diff(unwrapped)] / π.
 * Computed as [phase[0], wrappedDiff(diff(phase))] / π, which is algebraically identical (diff of the
 * unwrapped phase IS the wrapped difference) and skips Magenta's cumsum-then-diff rounding in float32.
 * @param phase `[batch, frames, bins]` radians
 * @returns `[batch, frames, bins]` in (−1, 1] after the first frame
 */
export function instantaneousFrequency(phase: tf.Tensor3D): tf.Tensor3D {
  checkRank3('instantaneousFrequency', phase);
  return tf.tidy(() => {
    const [b, , f] = phase.shape;
    const first = tf.slice(phase, [0, 0, 0], [b, 1, f]);
    return tf.div(tf.concat([first, wrappedDiff(diffTime(phase))], 1), Math.PI) as tf.Tensor3D;
  });
}

/** Inverse of {@link instantaneousFrequency} up to 2π: cumsum(IF·π) over time, `[batch, frames, bins]`. */
export function ifToPhase(ifreq: tf.Tensor3D): tf.Tensor3D {
  checkRank3('ifToPhase', ifreq);
  return tf.tidy(() => tf.cumsum(tf.mul(ifreq, Math.PI), 1));
}

/** Per-channel affine x·a + b for magnitude and IF (Magenta's prespecified normaliser). */
export function normalize(s: Specgram, norm: NormalizationConfig): Specgram {
  return tf.tidy(() => ({
    logMag: tf.add(tf.mul(s.logMag, norm.magA), norm.magB) as tf.Tensor3D,
    ifreq: tf.add(tf.mul(s.ifreq, norm.ifA), norm.ifB) as tf.Tensor3D,
  }));
}

/** Inverse of {@link normalize}: (x − b) / a per channel. */
export function denormalize(s: Specgram, norm: NormalizationConfig): Specgram {
  if (norm.magA === 0 || norm.ifA === 0) throw new Error('denormalize: magA and ifA must be non-zero');
  return tf.tidy(() => ({
    logMag: tf.div(tf.sub(s.logMag, norm.magB), norm.magA) as tf.Tensor3D,
    ifreq: tf.div(tf.sub(s.ifreq, norm.ifB), norm.ifA) as tf.Tensor3D,
  }));
}

/** float32 tensors of the mel matrices for the current backend (cached; see disposeSpectralCache). */
export function melMatrices(spec: SpectralConfig): { linearToMel: tf.Tensor2D; melToLinear: tf.Tensor2D } {
  const shape: [number, number] = [spec.bins, spec.bins];
  return {
    linearToMel: cachedConstant('linear-to-mel', spec, shape, () => linearToMelMatrix(spec)),
    melToLinear: cachedConstant('mel-to-linear', spec, shape, () => melToLinearMatrix(spec)),
  };
}

/** Right-multiplies two `[batch, frames, bins]` tensors by one `[bins, bins]` matrix in a single matmul. */
function matmulPair(a: tf.Tensor3D, b: tf.Tensor3D, m: tf.Tensor2D): [tf.Tensor3D, tf.Tensor3D] {
  const [batch, frames, bins] = a.shape;
  const rows = batch * frames;
  const both = tf.matMul(tf.concat([tf.reshape(a, [rows, bins]), tf.reshape(b, [rows, bins])], 0), m);
  return [
    tf.reshape(tf.slice(both, [0, 0], [rows, bins]), [batch, frames, bins]) as tf.Tensor3D,
    tf.reshape(tf.slice(both, [rows, 0], [rows, bins]), [batch, frames, bins]) as tf.Tensor3D,
  ];
}

/**
 * Magenta `specgrams_to_melspecgrams`: log mel power log(exp(2·logMag) @ L2M + eps) and mel IF
 * IF(cumsum(IF·π) @ L2M). Cost: 2·2·batch·frames·bins² FLOP (0.54 GFLOP per GANSynth example).
 */
export function specgramsToMel(s: Specgram, spec: SpectralConfig): Specgram {
  checkRank3('specgramsToMel', s.logMag);
  return tf.tidy(() => {
    const { linearToMel } = melMatrices(spec);
    const [melPow, melPhase] = matmulPair(tf.exp(tf.mul(s.logMag, 2)) as tf.Tensor3D, ifToPhase(s.ifreq), linearToMel);
    return { logMag: tf.log(tf.add(melPow, LOG_EPSILON)) as tf.Tensor3D, ifreq: instantaneousFrequency(melPhase) };
  });
}

/**
 * Magenta `melspecgrams_to_specgrams`: 0.5·log(exp(logMel) @ M2L + eps) and IF(cumsum(melIF·π) @ M2L).
 * M2L is Magenta's column-normalised transpose, not an exact inverse: the result is a smoothed spectrum.
 */
export function melToSpecgrams(s: Specgram, spec: SpectralConfig): Specgram {
  checkRank3('melToSpecgrams', s.logMag);
  return tf.tidy(() => {
    const { melToLinear } = melMatrices(spec);
    const [pow, phase] = matmulPair(tf.exp(s.logMag) as tf.Tensor3D, ifToPhase(s.ifreq), melToLinear);
    return { logMag: tf.mul(tf.log(tf.add(pow, LOG_EPSILON)), 0.5) as tf.Tensor3D, ifreq: instantaneousFrequency(phase) };
  });
}

function checkSpecShape(name: string, x: tf.Tensor, spec: SpectralConfig): void {
  if (x.rank !== 4 || x.shape[1] !== spec.frames || x.shape[2] !== spec.bins || x.shape[3] !== 2) {
    throw new Error(`${name}: features must be [batch, ${spec.frames}, ${spec.bins}, 2], got [${x.shape.join(', ')}]`);
  }
}

/**
 * Waves → the normalised features the generator produces and the discriminator reads:
 * `[batch, frames, bins, 2]`, channel 0 = log (mel) magnitude·magA + magB, channel 1 = (mel) IF·ifA + ifB.
 * Mel (spec.mel) is Magenta's waves_to_melspecgrams; otherwise waves_to_specgrams.
 * Cost per GANSynth example: 1.07 GFLOP (STFT) + 0.54 GFLOP (mel) + elementwise.
 * @param waves `[batch, audioLengthSamples]`
 */
export function wavesToFeatures(waves: tf.Tensor2D, spec: SpectralConfig, norm: NormalizationConfig): tf.Tensor4D {
  validateSpectralConfig(spec);
  return tf.tidy(() => {
    const { re, im } = stft(waves, spec);
    let s: Specgram = { logMag: logMagnitude(re, im), ifreq: instantaneousFrequency(phaseAngle(re, im)) };
    if (spec.mel) s = specgramsToMel(s, spec);
    const n = normalize(s, norm);
    return tf.stack([n.logMag, n.ifreq], 3) as tf.Tensor4D;
  });
}

/**
 * Generator output → audio (magenta-js specgramsToAudio, batched, full length): denormalise; mel:
 * magnitude sqrt(exp(logMel) @ M2L), phase cumsum(melIF·π) @ M2L; linear: exp(logMag), cumsum(IF·π);
 * polar → complex → {@link istft}. Phases are reduced mod 2π before cos/sin (GPU sin/cos lose accuracy
 * on the hundreds of radians a cumsum reaches).
 * Cost per GANSynth example: 0.54 GFLOP (mel → linear) + 1.07 GFLOP (iSTFT) + elementwise.
 * @param features `[batch, frames, bins, 2]`
 * @returns `[batch, audioLengthSamples]`
 */
export function featuresToWaves(features: tf.Tensor4D, spec: SpectralConfig, norm: NormalizationConfig): tf.Tensor2D {
  validateSpectralConfig(spec);
  checkSpecShape('featuresToWaves', features, spec);
  return tf.tidy(() => {
    const [b, t, f] = features.shape;
    const channel = (c: number) => tf.reshape(tf.slice(features, [0, 0, 0, c], [b, t, f, 1]), [b, t, f]) as tf.Tensor3D;
    const s = denormalize({ logMag: channel(0), ifreq: channel(1) }, norm);
    let mag: tf.Tensor3D;
    let phase = ifToPhase(s.ifreq);
    if (spec.mel) {
      const [pow, linPhase] = matmulPair(tf.exp(s.logMag) as tf.Tensor3D, phase, melMatrices(spec).melToLinear);
      mag = tf.sqrt(tf.relu(pow)) as tf.Tensor3D; // relu: float32 matmul rounding must not make sqrt NaN
      phase = linPhase;
    } else {
      mag = tf.exp(s.logMag) as tf.Tensor3D;
    }
    const twoPi = 2 * Math.PI;
    const reduced = tf.sub(phase, tf.mul(tf.floor(tf.div(phase, twoPi)), twoPi));
    return istft(tf.mul(mag, tf.cos(reduced)) as tf.Tensor3D, tf.mul(mag, tf.sin(reduced)) as tf.Tensor3D, spec);
  });
}
