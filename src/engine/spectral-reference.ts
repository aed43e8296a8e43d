/**
 * Float64 plain-TS reference of the spectral ops in spectral.ts/stft.ts, written to follow Magenta's
 * Python literally (spectral_ops.py, specgrams_helper.py, TF's stft/inverse_stft). One example at a time
 * (no batch axis): arrays are row-major `[frames, bins]`. Used by the conformance tests and as documentation;
 * not meant to be fast (radix-2 FFT, sparse mel products).
 */
import type { NormalizationConfig, SpectralConfig } from '../shared/model-config.ts';
import { linearToMelMatrix, melToLinearMatrix } from './mel.ts';

/** Magenta's `_safe_log` epsilon (specgrams_helper.py). */
export const LOG_EPSILON = 1.0e-6;

/** A complex spectrogram `[frames, bins]`, real and imaginary parts. */
export interface ComplexSpectrogram64 {
  readonly re: Float64Array;
  readonly im: Float64Array;
}

/** Front padding Magenta applies before framing: hop·(frames−1) + nFft − audioLength (3072 for GANSynth). */
export function frontPaddingSamples(spec: SpectralConfig): number {
  const pad = spec.hopSamples * (spec.frames - 1) + spec.nFft - spec.audioLengthSamples;
  if (pad < 0) throw new Error(`spectral: ${spec.frames} frames of hop ${spec.hopSamples} cannot cover ${spec.audioLengthSamples} samples`);
  return pad;
}

/** Periodic Hann window (TF `hann_window(periodic=True)`): 0.5 − 0.5·cos(2πn/N). */
export function hannPeriodic(length: number): Float64Array {
  const w = new Float64Array(length);
  for (let n = 0; n < length; n++) w[n] = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / length);
  return w;
}

/**
 * TF `inverse_stft_window_fn(frame_step)` applied to the periodic Hann: window / Σ_shifts window²
 * (Hann/1.5 at 75 % overlap).
 */
export function inverseStftWindow(nFft: number, hopSamples: number): Float64Array {
  const w = hannPeriodic(nFft);
  // TF pads window² to a multiple of the hop, reshapes to [overlaps, hop] and sums the rows: the padding adds 0.
  const denom = new Float64Array(hopSamples);
  for (let n = 0; n < nFft; n++) denom[n % hopSamples] += w[n] * w[n];
  const out = new Float64Array(nFft);
  for (let n = 0; n < nFft; n++) out[n] = w[n] / denom[n % hopSamples];
  return out;
}

/** In-place iterative radix-2 complex FFT (forward, e^{−i…}); length must be a power of two. */
export function fft64(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  if (n & (n - 1)) throw new Error(`fft64: length ${n} is not a power of two`);
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j], re[i]];
      [im[i], im[j]] = [im[j], im[i]];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const half = len >> 1;
    for (let k = 0; k < half; k++) {
      const ang = (-2 * Math.PI * k) / len;
      const wr = Math.cos(ang);
      const wi = Math.sin(ang);
      for (let s = 0; s < n; s += len) {
        const a = s + k;
        const b = a + half;
        const tr = re[b] * wr - im[b] * wi;
        const ti = re[b] * wi + im[b] * wr;
        re[b] = re[a] - tr;
        im[b] = im[a] - ti;
        re[a] += tr;
        im[a] += ti;
      }
    }
  }
}

/** Magenta `waves_to_stfts`: front pad, frame, Hann, rfft, drop DC → `[frames, bins]` (bins 1..nFft/2). */
export function stftReference(wave: ArrayLike<number>, spec: SpectralConfig): ComplexSpectrogram64 {
  if (wave.length !== spec.audioLengthSamples) throw new Error(`stftReference: wave has ${wave.length} samples, spec wants ${spec.audioLengthSamples}`);
  const pad = frontPaddingSamples(spec);
  const { nFft, hopSamples, frames, bins } = spec;
  const w = hannPeriodic(nFft);
  const re = new Float64Array(frames * bins);
  const im = new Float64Array(frames * bins);
  const fr = new Float64Array(nFft);
  const fi = new Float64Array(nFft);
  for (let t = 0; t < frames; t++) {
    for (let n = 0; n < nFft; n++) {
      const i = t * hopSamples + n - pad;
      fr[n] = i >= 0 && i < wave.length ? wave[i] * w[n] : 0;
      fi[n] = 0;
    }
    fft64(fr, fi);
    for (let k = 0; k < bins; k++) {
      re[t * bins + k] = fr[k + 1];
      im[t * bins + k] = fi[k + 1];
    }
  }
  return { re, im };
}

/**
 * Magenta `stfts_to_waves`: re-add a zero DC bin, TF inverse_stft (irfft, window/Σwindow², overlap-add),
 * drop the front padding → `audioLengthSamples` samples (y[pad : pad + audioLength]).
 */
export function istftReference(spec64: ComplexSpectrogram64, spec: SpectralConfig): Float64Array {
  const { nFft, hopSamples, frames, bins } = spec;
  const pad = frontPaddingSamples(spec);
  const win = inverseStftWindow(nFft, hopSamples);
  const y = new Float64Array(hopSamples * (frames - 1) + nFft);
  const fr = new Float64Array(nFft);
  const fi = new Float64Array(nFft);
  for (let t = 0; t < frames; t++) {
    fr.fill(0);
    fi.fill(0);
    // Hermitian spectrum from bins 1..N/2 (DC = 0); irfft ignores the imaginary part of the Nyquist bin.
    for (let k = 1; k <= bins; k++) {
      const r = spec64.re[t * bins + k - 1];
      const i = k === nFft / 2 ? 0 : spec64.im[t * bins + k - 1];
      fr[k] = r;
      fi[k] = i;
      if (k !== nFft / 2) {
        fr[nFft - k] = r;
        fi[nFft - k] = -i;
      }
    }
    // Inverse via the forward FFT of the conjugate.
    for (let n = 0; n < nFft; n++) fi[n] = -fi[n];
    fft64(fr, fi);
    for (let n = 0; n < nFft; n++) y[t * hopSamples + n] += (fr[n] / nFft) * win[n];
  }
  return y.slice(pad, pad + spec.audioLengthSamples);
}

/** Magenta `_safe_log(abs(stft))`: log(|X| + 1e-6). */
export function logMagnitudeReference(s: ComplexSpectrogram64): Float64Array {
  return s.re.map((r, i) => Math.log(Math.hypot(r, s.im[i]) + LOG_EPSILON));
}

/** tf.angle: atan2(im, re). */
export function angleReference(s: ComplexSpectrogram64): Float64Array {
  return s.re.map((r, i) => Math.atan2(s.im[i], r));
}

const floorMod = (x: number, m: number) => x - m * Math.floor(x / m);

/**
 * Magenta `unwrap(p, axis=time)` over `[frames, bins]`, literally: ddmod = floormod(dd + π, 2π) − π,
 * −π → +π where dd > 0, cumulative correction. (Magenta's `discont` test is dead code: its result is
 * never used, so the correction is applied for every |dd|.)
 */
export function unwrapReference(p: Float64Array, frames: number, bins: number): Float64Array {
  const out = Float64Array.from(p);
  for (let k = 0; k < bins; k++) {
    let cum = 0;
    for (let t = 1; t < frames; t++) {
      const dd = p[t * bins + k] - p[(t - 1) * bins + k];
      let ddmod = floorMod(dd + Math.PI, 2 * Math.PI) - Math.PI;
      if (ddmod === -Math.PI && dd > 0) ddmod = Math.PI;
      cum += ddmod - dd;
      out[t * bins + k] = p[t * bins + k] + cum;
    }
  }
  return out;
}

/** Magenta `instantaneous_frequency(phase, time_axis)`: [unwrapped[0], diff(unwrapped)] / π. */
export function instantaneousFrequencyReference(phase: Float64Array, frames: number, bins: number): Float64Array {
  const u = unwrapReference(phase, frames, bins);
  const out = new Float64Array(u.length);
  for (let k = 0; k < bins; k++) {
    out[k] = u[k] / Math.PI;
    for (let t = 1; t < frames; t++) out[t * bins + k] = (u[t * bins + k] - u[(t - 1) * bins + k]) / Math.PI;
  }
  return out;
}

/** cumsum(IF·π) over time: IF → (unwrapped) phase. */
export function ifToPhaseReference(ifreq: Float64Array, frames: number, bins: number): Float64Array {
  const out = new Float64Array(ifreq.length);
  for (let k = 0; k < bins; k++) {
    let acc = 0;
    for (let t = 0; t < frames; t++) {
      acc += ifreq[t * bins + k] * Math.PI;
      out[t * bins + k] = acc;
    }
  }
  return out;
}

/** `x [frames, bins] @ m [bins, bins]`, skipping the matrix's zeros (the mel matrices are sparse). */
export function matmulReference(x: Float64Array, m: Float64Array, frames: number, bins: number): Float64Array {
  const out = new Float64Array(frames * bins);
  for (let k = 0; k < bins; k++) {
    for (let j = 0; j < bins; j++) {
      const w = m[k * bins + j];
      if (w === 0) continue;
      for (let t = 0; t < frames; t++) out[t * bins + j] += x[t * bins + k] * w;
    }
  }
  return out;
}

/** A (log-magnitude, instantaneous-frequency) pair `[frames, bins]` each. */
export interface Specgram64 {
  readonly logMag: Float64Array;
  readonly ifreq: Float64Array;
}

/** Magenta `specgrams_to_melspecgrams`: log(exp(2·logmag) @ L2M + eps), IF(cumsum(IF·π) @ L2M). */
export function specgramsToMelReference(s: Specgram64, spec: SpectralConfig): Specgram64 {
  const { frames, bins } = spec;
  const l2m = linearToMelMatrix(spec);
  const mag2 = s.logMag.map((x) => Math.exp(2 * x));
  const melPow = matmulReference(mag2, l2m, frames, bins);
  const melPhase = matmulReference(ifToPhaseReference(s.ifreq, frames, bins), l2m, frames, bins);
  return { logMag: melPow.map((x) => Math.log(x + LOG_EPSILON)), ifreq: instantaneousFrequencyReference(melPhase, frames, bins) };
}

/** Magenta `melspecgrams_to_specgrams`: 0.5·log(exp(logmel) @ M2L + eps), IF(cumsum(melIF·π) @ M2L). */
export function melToSpecgramsReference(s: Specgram64, spec: SpectralConfig): Specgram64 {
  const { frames, bins } = spec;
  const m2l = melToLinearMatrix(spec);
  const mag2 = matmulReference(s.logMag.map(Math.exp), m2l, frames, bins);
  const phase = matmulReference(ifToPhaseReference(s.ifreq, frames, bins), m2l, frames, bins);
  return { logMag: mag2.map((x) => 0.5 * Math.log(x + LOG_EPSILON)), ifreq: instantaneousFrequencyReference(phase, frames, bins) };
}

/**
 * Magenta's waves → (mel) specgrams → normalised features, interleaved `[frames, bins, 2]`
 * (channel 0 log (mel) magnitude·magA + magB, channel 1 (mel) IF·ifA + ifB).
 */
export function wavesToFeaturesReference(wave: ArrayLike<number>, spec: SpectralConfig, norm: NormalizationConfig): Float64Array {
  const { frames, bins } = spec;
  const st = stftReference(wave, spec);
  let s: Specgram64 = { logMag: logMagnitudeReference(st), ifreq: instantaneousFrequencyReference(angleReference(st), frames, bins) };
  if (spec.mel) s = specgramsToMelReference(s, spec);
  const out = new Float64Array(frames * bins * 2);
  for (let i = 0; i < frames * bins; i++) {
    out[2 * i] = s.logMag[i] * norm.magA + norm.magB;
    out[2 * i + 1] = s.ifreq[i] * norm.ifA + norm.ifB;
  }
  return out;
}

/**
 * Normalised features `[frames, bins, 2]` → wave (magenta-js's path): denormalise; mel: mag = sqrt(exp(logmel)
 * @ M2L), phase = cumsum(melIF·π) @ M2L; linear: mag = exp(logmag), phase = cumsum(IF·π); polar → iSTFT.
 */
export function featuresToWavesReference(features: ArrayLike<number>, spec: SpectralConfig, norm: NormalizationConfig): Float64Array {
  const { frames, bins } = spec;
  const n = frames * bins;
  if (features.length !== 2 * n) throw new Error(`featuresToWavesReference: expected ${2 * n} values, got ${features.length}`);
  const logMag = new Float64Array(n);
  const ifreq = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    logMag[i] = (features[2 * i] - norm.magB) / norm.magA;
    ifreq[i] = (features[2 * i + 1] - norm.ifB) / norm.ifA;
  }
  let mag: Float64Array;
  let phase = ifToPhaseReference(ifreq, frames, bins);
  if (spec.mel) {
    const m2l = melToLinearMatrix(spec);
    mag = matmulReference(logMag.map(Math.exp), m2l, frames, bins).map(Math.sqrt);
    phase = matmulReference(phase, m2l, frames, bins);
  } else {
    mag = logMag.map(Math.exp);
  }
  return istftReference({ re: mag.map((m, i) => m * Math.cos(phase[i])), im: mag.map((m, i) => m * Math.sin(phase[i])) }, spec);
}
