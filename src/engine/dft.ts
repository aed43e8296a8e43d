/**
 * Real DFT / inverse real DFT of many frames as tfjs matmuls, for the STFT ops (stft.ts). No FFT kernel is
 * needed, so they run on every backend. For N = P·Q (P even, both ≥ 4; any power of two ≥ 16) one
 * Cooley–Tukey split turns the N-point DFT into a Q-point and a P-point DFT with a twiddle in between:
 *
 *   X[Q·k1 + k2] = Σ_n1 e^{−2πi k1 n1/P} · e^{−2πi k2 n1/N} · Σ_n2 x[n1 + P·n2] e^{−2πi k2 n2/Q}
 *
 * Cost per frame, GANSynth (N 2048 = 64·32): ≈ 0.8 MFLOP each way (matmuls [Q, 2Q] and [2P, P+2]) against
 * 8.4 MFLOP for a dense [2048, 2048] basis, plus three transposes of the frame (memory moves). Sizes that do
 * not factor fall back to the dense basis (2·N·N FLOP per frame).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { SpectralConfig } from '../shared/model-config.ts';
import { cachedConstant } from './spectral-cache.ts';

/** cos/sin of 2π·a·b/n with a·b reduced mod n first, so the float64 argument stays small and exact. */
function cis(a: number, b: number, n: number): [number, number] {
  const angle = (2 * Math.PI * ((a * b) % n)) / n;
  return [Math.cos(angle), Math.sin(angle)];
}

/** The split N = P·Q used for `nFft`, or null for the dense fallback. P ≈ √N, even. */
export function dftFactors(nFft: number): { p: number; q: number } | null {
  if (nFft < 16 || nFft & (nFft - 1)) return null;
  const p = 2 ** Math.ceil(Math.log2(nFft) / 2);
  return { p, q: nFft / p };
}

/** Swaps the last two axes of a rank-3 tensor. */
const swap = (x: tf.Tensor3D) => tf.transpose(x, [0, 2, 1]) as tf.Tensor3D;

/** Complex elementwise product (ar + i·ai)(c + i·sign·s) with cached [rows, cols] twiddles. */
function twiddle(ar: tf.Tensor, ai: tf.Tensor, c: tf.Tensor2D, s: tf.Tensor2D, sign: 1 | -1): [tf.Tensor, tf.Tensor] {
  const re = sign > 0 ? tf.sub(tf.mul(ar, c), tf.mul(ai, s)) : tf.add(tf.mul(ar, c), tf.mul(ai, s));
  const im = sign > 0 ? tf.add(tf.mul(ar, s), tf.mul(ai, c)) : tf.sub(tf.mul(ai, c), tf.mul(ar, s));
  return [re, im];
}

/**
 * Real DFT of frames, bins 1..N/2 (DC dropped, Nyquist kept: Magenta's discard_dc).
 * @param frames `[rows, nFft]` (already windowed)
 * @returns re, im `[rows, nFft/2]`
 */
export function realDft(frames: tf.Tensor2D, spec: SpectralConfig): [tf.Tensor2D, tf.Tensor2D] {
  const n = spec.nFft;
  const half = n / 2;
  const rows = frames.shape[0];
  const f = dftFactors(n);
  if (!f) {
    const basis = cachedConstant(`dft-dense-${n}`, spec, [n, 2 * half], () => {
      const b = new Float64Array(n * 2 * half);
      for (let t = 0; t < n; t++) {
        for (let j = 0; j < half; j++) {
          const [c, s] = cis(j + 1, t, n);
          b[t * 2 * half + j] = c;
          b[t * 2 * half + half + j] = -s;
        }
      }
      return b;
    });
    return tf.tidy(() => {
      const out = tf.matMul(frames, basis);
      return [tf.slice(out, [0, 0], [rows, half]) as tf.Tensor2D, tf.slice(out, [0, half], [rows, half]) as tf.Tensor2D];
    });
  }
  const { p, q } = f;
  const k1Count = p / 2 + 1; // k = Q·k1 + k2 ≤ N/2 needs k1 ≤ P/2
  // Stage 1: Q-point real DFT over n2 for each n1, all k2: [Q, 2Q] = [cos | −sin].
  const b1 = cachedConstant(`dft-fwd1-${n}`, spec, [q, 2 * q], () => {
    const b = new Float64Array(q * 2 * q);
    for (let n2 = 0; n2 < q; n2++) {
      for (let k2 = 0; k2 < q; k2++) {
        const [c, s] = cis(k2, n2, q);
        b[n2 * 2 * q + k2] = c;
        b[n2 * 2 * q + q + k2] = -s;
      }
    }
    return b;
  });
  // Twiddles e^{−2πi k2 n1/N} laid out [n1, k2].
  const tc = cachedConstant(`dft-tw-cos-${n}`, spec, [p, q], () => Float64Array.from({ length: p * q }, (_, i) => cis(Math.floor(i / q), i % q, n)[0]));
  const ts = cachedConstant(`dft-tw-sin-${n}`, spec, [p, q], () => Float64Array.from({ length: p * q }, (_, i) => cis(Math.floor(i / q), i % q, n)[1]));
  // Stage 3: complex P-point DFT over n1 for k1 ≤ P/2: [Br | Bi] @ [[C, −S], [S, C]] = [Xr | Xi].
  const b3 = cachedConstant(`dft-fwd3-${n}`, spec, [2 * p, 2 * k1Count], () => {
    const w = 2 * k1Count;
    const b = new Float64Array(2 * p * w);
    for (let n1 = 0; n1 < p; n1++) {
      for (let k1 = 0; k1 < k1Count; k1++) {
        const [c, s] = cis(k1, n1, p);
        b[n1 * w + k1] = c;
        b[n1 * w + k1Count + k1] = -s;
        b[(p + n1) * w + k1] = s;
        b[(p + n1) * w + k1Count + k1] = c;
      }
    }
    return b;
  });
  return tf.tidy(() => {
    // x[n1 + P·n2] is row-major [n2, n1]; stage 1 sums over n2, so put n2 last.
    const x = swap(tf.reshape(frames, [rows, q, p])); // [rows, P(n1), Q(n2)]
    const a = tf.matMul(tf.reshape(x, [rows * p, q]), b1); // [rows·P, 2Q]
    const ar = tf.reshape(tf.slice(a, [0, 0], [rows * p, q]), [rows, p, q]);
    const ai = tf.reshape(tf.slice(a, [0, q], [rows * p, q]), [rows, p, q]);
    const [br, bi] = twiddle(ar, ai, tc, ts, -1);
    // Stage 3 sums over n1: [rows, Q(k2), P(n1)].
    const bcat = tf.concat([swap(br as tf.Tensor3D), swap(bi as tf.Tensor3D)], 2);
    const xk = tf.matMul(tf.reshape(bcat, [rows * q, 2 * p]), b3); // [rows·Q, 2·k1Count] as (k2; k1)
    const part = (offset: number) => {
      const m = tf.reshape(tf.slice(xk, [0, offset], [rows * q, k1Count]), [rows, q, k1Count]);
      // k = Q·k1 + k2: [rows, k1, k2] flattened; keep k = 1..N/2.
      return tf.slice(tf.reshape(swap(m as tf.Tensor3D), [rows, k1Count * q]), [0, 1], [rows, half]) as tf.Tensor2D;
    };
    return [part(0), part(k1Count)];
  });
}

/**
 * TF's irfft of frames given bins 1..N/2 with DC = 0 (the imaginary parts of DC and Nyquist are ignored).
 * @param re `[rows, nFft/2]`
 * @param im `[rows, nFft/2]`
 * @returns `[rows, nFft]`
 */
export function inverseRealDft(re: tf.Tensor2D, im: tf.Tensor2D, spec: SpectralConfig): tf.Tensor2D {
  const n = spec.nFft;
  const half = n / 2;
  const rows = re.shape[0];
  const f = dftFactors(n);
  if (!f) {
    const basis = cachedConstant(`idft-dense-${n}`, spec, [2 * half, n], () => {
      const b = new Float64Array(2 * half * n);
      for (let j = 0; j < half; j++) {
        const k = j + 1;
        const weight = (k === half ? 1 : 2) / n;
        for (let t = 0; t < n; t++) {
          const [c, s] = cis(k, t, n);
          b[j * n + t] = weight * c;
          b[(half + j) * n + t] = k === half ? 0 : -weight * s;
        }
      }
      return b;
    });
    return tf.tidy(() => tf.matMul(tf.concat([re, im], 1), basis));
  }
  const { p, q } = f;
  const k1Count = p / 2 + 1;
  // x = (2/N)·Re Σ_{k=0}^{N/2} Y[k] e^{+2πikn/N} with Y[N/2] halved (it has no mirror) and Im Y[N/2] dropped.
  const nyquist = cachedConstant(`idft-nyq-${n}`, spec, [2, half], () => {
    const v = new Float64Array(2 * half).fill(1);
    v[half - 1] = 0.5; // re of Nyquist
    v[2 * half - 1] = 0; // im of Nyquist
    return v;
  });
  // Stage 1: complex P-point inverse DFT over k1: [Yr | Yi] @ [[C, S], [−S, C]] = [Ar | Ai].
  const b1 = cachedConstant(`idft-1-${n}`, spec, [2 * k1Count, 2 * p], () => {
    const b = new Float64Array(2 * k1Count * 2 * p);
    for (let k1 = 0; k1 < k1Count; k1++) {
      for (let n1 = 0; n1 < p; n1++) {
        const [c, s] = cis(k1, n1, p);
        b[k1 * 2 * p + n1] = c;
        b[k1 * 2 * p + p + n1] = s;
        b[(k1Count + k1) * 2 * p + n1] = -s;
        b[(k1Count + k1) * 2 * p + p + n1] = c;
      }
    }
    return b;
  });
  // Twiddles e^{+2πi k2 n1/N} laid out [k2, n1].
  const tc = cachedConstant(`idft-tw-cos-${n}`, spec, [q, p], () => Float64Array.from({ length: q * p }, (_, i) => cis(Math.floor(i / p), i % p, n)[0]));
  const ts = cachedConstant(`idft-tw-sin-${n}`, spec, [q, p], () => Float64Array.from({ length: q * p }, (_, i) => cis(Math.floor(i / p), i % p, n)[1]));
  // Stage 3: real part of the Q-point inverse DFT over k2, scaled 2/N: [Br | Bi] @ [[cos], [−sin]].
  const b3 = cachedConstant(`idft-3-${n}`, spec, [2 * q, q], () => {
    const b = new Float64Array(2 * q * q);
    for (let k2 = 0; k2 < q; k2++) {
      for (let n2 = 0; n2 < q; n2++) {
        const [c, s] = cis(k2, n2, q);
        b[k2 * q + n2] = (2 / n) * c;
        b[(q + k2) * q + n2] = (-2 / n) * s;
      }
    }
    return b;
  });
  return tf.tidy(() => {
    const scaled = tf.mul(tf.concat([re, im], 1), tf.reshape(nyquist, [1, 2 * half]));
    // Y[k] for k = 0..N/2 + Q − 1: zero DC in front, zeros after Nyquist; row-major [k1, k2].
    const spectrum = (offset: number) =>
      tf.reshape(tf.pad(tf.slice(scaled, [0, offset], [rows, half]), [[0, 0], [1, q - 1]]), [rows, k1Count, q]) as tf.Tensor3D;
    const ycat = tf.concat([swap(spectrum(0)), swap(spectrum(half))], 2); // [rows, Q(k2), 2·k1Count]
    const a = tf.matMul(tf.reshape(ycat, [rows * q, 2 * k1Count]), b1); // [rows·Q, 2P]
    const ar = tf.reshape(tf.slice(a, [0, 0], [rows * q, p]), [rows, q, p]);
    const ai = tf.reshape(tf.slice(a, [0, p], [rows * q, p]), [rows, q, p]);
    const [br, bi] = twiddle(ar, ai, tc, ts, 1);
    const bcat = tf.concat([swap(br as tf.Tensor3D), swap(bi as tf.Tensor3D)], 2); // [rows, P(n1), 2Q]
    const x = tf.reshape(tf.matMul(tf.reshape(bcat, [rows * p, 2 * q]), b3), [rows, p, q]); // (n1, n2)
    return tf.reshape(swap(x as tf.Tensor3D), [rows, n]) as tf.Tensor2D; // n = n1 + P·n2
  });
}
