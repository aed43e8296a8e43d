/**
 * Real DFT / inverse real DFT of many frames as tfjs matmuls, for the STFT ops (stft.ts). No FFT kernel is
 * needed, so they run on every backend. For N = P·Q (P even; any power of two ≥ 16) one Cooley–Tukey split
 * turns the N-point DFT into a Q-point and a P-point DFT with a twiddle in between. Magenta keeps bins
 * k = 1..N/2, so we index k = k' + 1 with k' = Q·k1 + k2 (k1 < P/2, k2 < Q) and fold e^{∓2πin/N} into the
 * window: the kept bins are then exactly a [P/2, Q] block, with no slicing or padding (slow on tfjs-cpu):
 *
 *   X[k'+1] = Σ_n1 e^{−2πi k1 n1/P} · e^{−2πi k2 n1/N} · Σ_n2 (x·e^{−2πin/N})[n1 + P·n2] e^{−2πi k2 n2/Q}
 *
 * Cost per frame, GANSynth (N 2048 = 64·32): 8 matmuls, ≈ 1.05 MFLOP each way, against 8.4 MFLOP for a
 * dense [2048, 2048] basis; plus three transposes of the frame. Sizes that do not factor fall back to the
 * dense basis (2·N·N FLOP per frame).
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

/**
 * Multiply-add FLOPs (2 per MAC) of one frame's realDft or inverseRealDft: 4 real matmuls per complex stage,
 * P·Q·Q + Q·P·(P/2) MACs each (split), or 2·(N/2)·N MACs·2 for the dense fallback. GANSynth: 1.05 M.
 */
export function dftFlopsPerFrame(nFft: number): number {
  const f = dftFactors(nFft);
  if (!f) return 2 * 2 * (nFft / 2) * nFft;
  const { p, q } = f;
  return 2 * 4 * (p * q * q + q * p * (p / 2));
}

/** Swaps the last two axes of a rank-3 tensor. */
const swap = (x: tf.Tensor) => tf.transpose(x, [0, 2, 1]) as tf.Tensor3D;

/** A cached [rows, cols] table f(r, c). */
function table(name: string, spec: SpectralConfig, rows: number, cols: number, f: (r: number, c: number) => number): tf.Tensor2D {
  return cachedConstant(name, spec, [rows, cols], () => Float64Array.from({ length: rows * cols }, (_, i) => f(Math.floor(i / cols), i % cols)));
}

/** (ar + i·ai) @ (c + i·s) as four real matmuls. */
function complexMatMul(ar: tf.Tensor2D, ai: tf.Tensor2D, c: tf.Tensor2D, s: tf.Tensor2D): [tf.Tensor2D, tf.Tensor2D] {
  return [tf.sub(tf.matMul(ar, c), tf.matMul(ai, s)) as tf.Tensor2D, tf.add(tf.matMul(ar, s), tf.matMul(ai, c)) as tf.Tensor2D];
}

/** (ar + i·ai)·(c + i·s) elementwise, c and s broadcast. */
function complexMul(ar: tf.Tensor, ai: tf.Tensor, c: tf.Tensor, s: tf.Tensor): [tf.Tensor, tf.Tensor] {
  return [tf.sub(tf.mul(ar, c), tf.mul(ai, s)), tf.add(tf.mul(ar, s), tf.mul(ai, c))];
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
    const c = table(`dft-c-${n}`, spec, n, half, (t, j) => cis(j + 1, t, n)[0]);
    const s = table(`dft-s-${n}`, spec, n, half, (t, j) => -cis(j + 1, t, n)[1]);
    return tf.tidy(() => [tf.matMul(frames, c), tf.matMul(frames, s)]);
  }
  const { p, q } = f;
  const hp = p / 2;
  // e^{−2πin/N}, as [1, N] rows: shifts bin k'+1 to k'.
  const modRe = table(`dft-mod-re-${n}`, spec, 1, n, (_, t) => cis(1, t, n)[0]);
  const modIm = table(`dft-mod-im-${n}`, spec, 1, n, (_, t) => -cis(1, t, n)[1]);
  // Stage 1: Q-point DFT over n2, e^{−2πi k2 n2/Q}: [Q(n2), Q(k2)].
  const c1 = table(`dft-c1-${n}`, spec, q, q, (a, b) => cis(a, b, q)[0]);
  const s1 = table(`dft-s1-${n}`, spec, q, q, (a, b) => -cis(a, b, q)[1]);
  // Twiddles e^{−2πi k2 n1/N}: [P(n1), Q(k2)].
  const tc = table(`dft-tc-${n}`, spec, p, q, (a, b) => cis(a, b, n)[0]);
  const ts = table(`dft-ts-${n}`, spec, p, q, (a, b) => -cis(a, b, n)[1]);
  // Stage 3: P-point DFT over n1 for k1 < P/2, e^{−2πi k1 n1/P}: [P(n1), P/2(k1)].
  const c3 = table(`dft-c3-${n}`, spec, p, hp, (a, b) => cis(a, b, p)[0]);
  const s3 = table(`dft-s3-${n}`, spec, p, hp, (a, b) => -cis(a, b, p)[1]);
  return tf.tidy(() => {
    // x[n1 + P·n2] is row-major [n2, n1]; stage 1 sums over n2, so put n2 last: [rows·P, Q].
    const toStage1 = (v: tf.Tensor) => tf.reshape(swap(tf.reshape(v, [rows, q, p])), [rows * p, q]) as tf.Tensor2D;
    const [ar, ai] = complexMatMul(toStage1(tf.mul(frames, modRe)), toStage1(tf.mul(frames, modIm)), c1, s1);
    const [br, bi] = complexMul(tf.reshape(ar, [rows, p, q]), tf.reshape(ai, [rows, p, q]), tc, ts);
    // Stage 3 sums over n1: [rows·Q(k2), P(n1)].
    const toStage3 = (v: tf.Tensor) => tf.reshape(swap(v), [rows * q, p]) as tf.Tensor2D;
    const [xr, xi] = complexMatMul(toStage3(br), toStage3(bi), c3, s3); // [rows·Q(k2), P/2(k1)]
    // k' = Q·k1 + k2: [rows, k1, k2] row-major.
    const out = (v: tf.Tensor) => tf.reshape(swap(tf.reshape(v, [rows, q, hp])), [rows, half]) as tf.Tensor2D;
    return [out(xr), out(xi)];
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
  // x = (2/N)·Re Σ_{k=1}^{N/2} Y[k] e^{+2πikn/N}, with Y[N/2] halved (it has no mirror) and Im Y[N/2] dropped.
  const reScale = table(`idft-re-scale-${n}`, spec, 1, half, (_, j) => (j === half - 1 ? 0.5 : 1));
  const imScale = table(`idft-im-scale-${n}`, spec, 1, half, (_, j) => (j === half - 1 ? 0 : 1));
  const f = dftFactors(n);
  if (!f) {
    const c = table(`idft-c-${n}`, spec, half, n, (j, t) => (2 / n) * cis(j + 1, t, n)[0]);
    const s = table(`idft-s-${n}`, spec, half, n, (j, t) => (-2 / n) * cis(j + 1, t, n)[1]);
    return tf.tidy(() => tf.add(tf.matMul(tf.mul(re, reScale) as tf.Tensor2D, c), tf.matMul(tf.mul(im, imScale) as tf.Tensor2D, s)) as tf.Tensor2D);
  }
  const { p, q } = f;
  const hp = p / 2;
  // Stage 1: P-point inverse DFT over k1 < P/2, e^{+2πi k1 n1/P}: [P/2(k1), P(n1)].
  const c1 = table(`idft-c1-${n}`, spec, hp, p, (a, b) => cis(a, b, p)[0]);
  const s1 = table(`idft-s1-${n}`, spec, hp, p, (a, b) => cis(a, b, p)[1]);
  // Twiddles e^{+2πi k2 n1/N}: [Q(k2), P(n1)].
  const tc = table(`idft-tc-${n}`, spec, q, p, (a, b) => cis(a, b, n)[0]);
  const ts = table(`idft-ts-${n}`, spec, q, p, (a, b) => cis(a, b, n)[1]);
  // Stage 3: Q-point inverse DFT over k2, e^{+2πi k2 n2/Q}: [Q(k2), Q(n2)].
  const c3 = table(`idft-c3-${n}`, spec, q, q, (a, b) => cis(a, b, q)[0]);
  const s3 = table(`idft-s3-${n}`, spec, q, q, (a, b) => cis(a, b, q)[1]);
  // Undo the k = k'+1 shift and scale: x[n] = (2/N)·Re(e^{+2πin/N} Z[n]).
  const outRe = table(`idft-out-re-${n}`, spec, 1, n, (_, t) => (2 / n) * cis(1, t, n)[0]);
  const outIm = table(`idft-out-im-${n}`, spec, 1, n, (_, t) => (-2 / n) * cis(1, t, n)[1]);
  return tf.tidy(() => {
    // Y[k'+1], k' = Q·k1 + k2, is row-major [k1, k2]; stage 1 sums over k1: [rows·Q(k2), P/2(k1)].
    const toStage1 = (v: tf.Tensor) => tf.reshape(swap(tf.reshape(v, [rows, hp, q])), [rows * q, hp]) as tf.Tensor2D;
    const [ar, ai] = complexMatMul(toStage1(tf.mul(re, reScale)), toStage1(tf.mul(im, imScale)), c1, s1);
    const [br, bi] = complexMul(tf.reshape(ar, [rows, q, p]), tf.reshape(ai, [rows, q, p]), tc, ts);
    // Stage 3 sums over k2: [rows·P(n1), Q(k2)].
    const toStage3 = (v: tf.Tensor) => tf.reshape(swap(v), [rows * p, q]) as tf.Tensor2D;
    const [zr, zi] = complexMatMul(toStage3(br), toStage3(bi), c3, s3); // [rows·P(n1), Q(n2)]
    // n = n1 + P·n2: [rows, n2, n1] row-major.
    const time = (v: tf.Tensor) => tf.reshape(swap(tf.reshape(v, [rows, p, q])), [rows, n]);
    return tf.add(tf.mul(time(zr), outRe), tf.mul(time(zi), outIm)) as tf.Tensor2D;
  });
}
