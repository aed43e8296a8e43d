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
import { dftFlopsPerFrame } from './dft.ts';
import { cachedConstant } from './spectral-cache.ts';
import { istft, stft, validateSpectralConfig } from './stft.ts';

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

/**
 * A square mel matrix `M [bins, bins]` in column-sparse form: for output column j, the row indices and
 * weights of its non-zeros, padded to the widest column (index 0, weight 0). Magenta's matrices have at
 * most 6 (linear→mel) and 2 (mel→linear) non-zeros per column at GANSynth size, so `x @ M` as gathers and a
 * weighted sum costs ~bins·6 multiply-adds per frame instead of bins² (0.6 % of the dense matmul).
 */
interface SparseColumns {
  readonly indices: Int32Array; // [bins, width] row-major
  readonly weights: Float64Array; // [bins, width]
  readonly width: number;
}

const sparseCache = new Map<Float64Array, SparseColumns>();
function sparseColumns(m: Float64Array, n: number): SparseColumns {
  const hit = sparseCache.get(m);
  if (hit) return hit;
  let width = 1;
  for (let j = 0; j < n; j++) {
    let nz = 0;
    for (let k = 0; k < n; k++) if (m[k * n + j] !== 0) nz++;
    width = Math.max(width, nz);
  }
  const indices = new Int32Array(n * width);
  const weights = new Float64Array(n * width);
  for (let j = 0; j < n; j++) {
    let r = 0;
    for (let k = 0; k < n; k++) {
      if (m[k * n + j] === 0) continue;
      indices[j * width + r] = k;
      weights[j * width + r] = m[k * n + j];
      r++;
    }
  }
  const out = { indices, weights, width };
  sparseCache.set(m, out);
  return out;
}

/**
 * Dense float32 tensors of Magenta's mel matrices `[bins, bins]` for the current backend (cached, freed by
 * disposeSpectralCache). The ops here use the sparse {@link applyMelMatrix}; these are for callers that
 * want the matrices themselves (e.g. a trainer's graph or a visualisation).
 */
export function melMatrices(spec: SpectralConfig): { linearToMel: tf.Tensor2D; melToLinear: tf.Tensor2D } {
  const shape: [number, number] = [spec.bins, spec.bins];
  return {
    linearToMel: cachedConstant('linear-to-mel', spec, shape, () => linearToMelMatrix(spec)),
    melToLinear: cachedConstant('mel-to-linear', spec, shape, () => melToLinearMatrix(spec)),
  };
}

/** Which of Magenta's mel matrices to apply. */
export type MelDirection = 'linearToMel' | 'melToLinear';

/**
 * `x @ M` over the bins axis for Magenta's linear→mel or mel→linear matrix (mel.ts), as gathers of each
 * output bin's few non-zero rows and a weighted sum: exact same result as the dense product, on every backend.
 * @param x `[batch, frames, bins]`
 * @returns `[batch, frames, bins]`
 */
export function applyMelMatrix(x: tf.Tensor3D, direction: MelDirection, spec: SpectralConfig): tf.Tensor3D {
  checkRank3('applyMelMatrix', x);
  const n = spec.bins;
  if (x.shape[2] !== n) throw new Error(`applyMelMatrix: expected ${n} bins, got ${x.shape[2]}`);
  const sparse = sparseColumns(direction === 'linearToMel' ? linearToMelMatrix(spec) : melToLinearMatrix(spec), n);
  const w = sparse.width;
  // One gather + multiply per non-zero slot r, summed with addN: no reduction kernel over a tiny axis (tfjs-webgpu
  // runs a 256-thread workgroup per output for that, pathological on SwiftShader: 10 s per note at width 2).
  const slots = Array.from({ length: w }, (_, r) => ({
    indices: cachedConstant(`${direction}-indices-${r}`, spec, [1, n], () => Array.from({ length: n }, (_, j) => sparse.indices[j * w + r]), 'int32'),
    weights: cachedConstant(`${direction}-weights-${r}`, spec, [1, n], () => Array.from({ length: n }, (_, j) => sparse.weights[j * w + r])),
  }));
  return tf.tidy(() => {
    const terms = slots.map((slot) => tf.mul(tf.gather(x, tf.reshape(slot.indices, [n]), 2), slot.weights));
    return (terms.length === 1 ? terms[0] : tf.addN(terms)) as tf.Tensor3D;
  });
}

/**
 * Magenta `specgrams_to_melspecgrams`: log mel power log(exp(2·logMag) @ L2M + eps) and mel IF
 * IF(cumsum(IF·π) @ L2M). The products are sparse (see applyMelMatrix): ~2·6·frames·bins MACs per example.
 */
export function specgramsToMel(s: Specgram, spec: SpectralConfig): Specgram {
  checkRank3('specgramsToMel', s.logMag);
  return tf.tidy(() => {
    const melPow = applyMelMatrix(tf.exp(tf.mul(s.logMag, 2)) as tf.Tensor3D, 'linearToMel', spec);
    const melPhase = applyMelMatrix(ifToPhase(s.ifreq), 'linearToMel', spec);
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
    const pow = applyMelMatrix(tf.exp(s.logMag) as tf.Tensor3D, 'melToLinear', spec);
    const phase = applyMelMatrix(ifToPhase(s.ifreq), 'melToLinear', spec);
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
 * Cost per GANSynth example: 0.137 GFLOP (split-DFT STFT + sparse mel, see wavesToFeaturesFlops) + elementwise work.
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
 * Cost per GANSynth example: 0.135 GFLOP (split-DFT iSTFT + sparse mel, see featuresToWavesFlops) + elementwise work.
 * @param features `[batch, frames, bins, 2]`
 * @returns `[batch, audioLengthSamples]`
 */
export function featuresToWaves(features: tf.Tensor4D, spec: SpectralConfig, norm: NormalizationConfig): tf.Tensor2D {
  validateSpectralConfig(spec);
  checkSpecShape('featuresToWaves', features, spec);
  return tf.tidy(() => {
    const [b, t, f] = features.shape;
    // Channels first, then contiguous slices: slicing the last axis directly is a per-element loop on tfjs-wasm
    // (33 ms for a paper note's two channels in Node vs 4–6 ms this way).
    const byChannel = tf.transpose(features, [3, 0, 1, 2]);
    const channel = (c: number) => tf.reshape(tf.slice(byChannel, [c, 0, 0, 0], [1, b, t, f]), [b, t, f]) as tf.Tensor3D;
    const s = denormalize({ logMag: channel(0), ifreq: channel(1) }, norm);
    let mag: tf.Tensor3D;
    let phase = ifToPhase(s.ifreq);
    if (spec.mel) {
      mag = tf.sqrt(applyMelMatrix(tf.exp(s.logMag) as tf.Tensor3D, 'melToLinear', spec)) as tf.Tensor3D; // weights ≥ 0
      phase = applyMelMatrix(phase, 'melToLinear', spec);
    } else {
      mag = tf.exp(s.logMag) as tf.Tensor3D;
    }
    const twoPi = 2 * Math.PI;
    const reduced = tf.sub(phase, tf.mul(tf.floor(tf.div(phase, twoPi)), twoPi));
    return istft(tf.mul(mag, tf.cos(reduced)) as tf.Tensor3D, tf.mul(mag, tf.sin(reduced)) as tf.Tensor3D, spec);
  });
}

/**
 * Matmul/gather multiply-add FLOPs (2 per MAC) of {@link featuresToWaves} for one example: the split iSTFT
 * (dft.ts) plus the sparse mel→linear products for magnitude and phase; elementwise work not counted.
 * GANSynth: 0.134 GFLOP + 0.001 GFLOP (a dense-matmul version was 1.61 GFLOP).
 */
export function featuresToWavesFlops(spec: SpectralConfig): number {
  const melWidth = spec.mel ? sparseColumns(melToLinearMatrix(spec), spec.bins).width : 0;
  return spec.frames * dftFlopsPerFrame(spec.nFft) + 2 * 2 * spec.frames * spec.bins * melWidth;
}

/** Same count for {@link wavesToFeatures} (split STFT + sparse linear→mel for power and phase). */
export function wavesToFeaturesFlops(spec: SpectralConfig): number {
  const melWidth = spec.mel ? sparseColumns(linearToMelMatrix(spec), spec.bins).width : 0;
  return spec.frames * dftFlopsPerFrame(spec.nFft) + 2 * 2 * spec.frames * spec.bins * melWidth;
}
