/**
 * Magenta's mel matrices in float64 (magenta/models/gansynth/lib/spectral_ops.py `linear_to_mel_weight_matrix`
 * and specgrams_helper.py `_mel_to_linear_matrix`), computed from a SpectralConfig and cached per config.
 * Pure TS: no tfjs here, so the reference, the tfjs ops and the trainer all share one definition.
 */
import type { SpectralConfig } from '../shared/model-config.ts';

const MEL_BREAK_FREQUENCY_HZ = 700.0;
const MEL_HIGH_FREQUENCY_Q = 1127.0;

/** HTK mel of a frequency in Hz: 1127 · ln(1 + f / 700). */
export function hzToMel(frequencyHz: number): number {
  return MEL_HIGH_FREQUENCY_Q * Math.log(1.0 + frequencyHz / MEL_BREAK_FREQUENCY_HZ);
}

/** Inverse of {@link hzToMel}: 700 · (exp(mel / 1127) − 1). */
export function melToHz(mel: number): number {
  return MEL_BREAK_FREQUENCY_HZ * (Math.exp(mel / MEL_HIGH_FREQUENCY_Q) - 1.0);
}

/** numpy.linspace(start, stop, n) with numpy's formula (start + i·step, last point exactly `stop`). */
function linspace(start: number, stop: number, n: number): Float64Array {
  const out = new Float64Array(n);
  const step = (stop - start) / (n - 1);
  for (let i = 0; i < n; i++) out[i] = start + i * step;
  if (n > 1) out[n - 1] = stop;
  return out;
}

function checkSpec(spec: SpectralConfig): void {
  if (!Number.isInteger(spec.bins) || spec.bins < 2) throw new Error(`mel: spec.bins must be an integer ≥ 2, got ${spec.bins}`);
  if (!(spec.sampleRateHz > 0)) throw new Error(`mel: spec.sampleRateHz must be > 0, got ${spec.sampleRateHz}`);
}

const l2mCache = new Map<string, Float64Array>();
const m2lCache = new Map<string, Float64Array>();
const keyOf = (spec: SpectralConfig) => `${spec.bins}@${spec.sampleRateHz}`;

/**
 * Linear → mel weights, row-major `[bins (linear), bins (mel)]`, as Magenta builds them for GANSynth
 * (num_mel_bins = num_spectrogram_bins = spec.bins, edges 0 Hz … Nyquist, mel_downscale 1):
 * - linear frequencies linspace(0, nyquist, bins)[1:] (note: spacing nyquist/(bins−1), not the STFT's bin
 *   spacing; Magenta's quirk, kept so trained models match), row 0 (the "DC" row) all zero;
 * - band edges linspace(mel(0), mel(nyquist), bins + 2); bands narrower than 1.5·(nyquist/bins) Hz widened
 *   symmetrically in mel around their centre, in place on the shared edge array (numpy view aliasing, see body);
 * - weight max(0, min(lower slope, upper slope)) with slopes linear in Hz.
 * A linear power spectrum row `p[bins]` maps to mel as `p · M`. The returned array is shared: do not modify.
 */
export function linearToMelMatrix(spec: SpectralConfig): Float64Array {
  checkSpec(spec);
  const key = keyOf(spec);
  const hit = l2mCache.get(key);
  if (hit) return hit;
  const nMel = spec.bins;
  const nLin = spec.bins;
  const nyquistHz = spec.sampleRateHz / 2.0;
  const linearHz = linspace(0.0, nyquistHz, nLin); // index 0 is the zeroed band
  // Magenta's lower/center/upper edges are numpy VIEWS of one array (edges[0:-2], edges[1:-1], edges[2:]),
  // so widening band i in place also moves the centre of band i+1 and the edges of bands i±2. Trained
  // models (and magenta-js's mel_sparse_coeffs.ts) carry that aliasing, so we replicate it with one array.
  const edges = linspace(hzToMel(0.0), hzToMel(nyquistHz), nMel + 2);
  const freqThHz = 1.5 * (nyquistHz / nLin);
  for (let i = 0; i < nMel; i++) {
    const centerHz = melToHz(edges[i + 1]);
    if (melToHz(edges[i + 2]) - melToHz(edges[i]) < freqThHz) {
      const rhs = (0.5 * freqThHz) / (centerHz + MEL_BREAK_FREQUENCY_HZ);
      const dm = MEL_HIGH_FREQUENCY_Q * Math.log(rhs + Math.sqrt(1.0 + rhs * rhs));
      const centerMel = edges[i + 1];
      edges[i] = centerMel - dm;
      edges[i + 2] = centerMel + dm;
    }
  }
  const m = new Float64Array(nLin * nMel);
  for (let i = 0; i < nMel; i++) {
    const lo = melToHz(edges[i]);
    const c = melToHz(edges[i + 1]);
    const hi = melToHz(edges[i + 2]);
    for (let j = 1; j < nLin; j++) {
      const f = linearHz[j];
      const lower = (f - lo) / (c - lo);
      const upper = (hi - f) / (hi - c);
      m[j * nMel + i] = Math.max(0.0, Math.min(lower, upper));
    }
  }
  l2mCache.set(key, m);
  return m;
}

/**
 * Mel → linear, row-major `[bins (mel), bins (linear)]`: Magenta's `m_t @ diag(d)` with
 * d_j = 1 / Σ_k (m·m_t)[k, j] (kept as is where |Σ| ≤ 1e-8, i.e. the zero DC row).
 * This is a column-normalised transpose, NOT an exact inverse (nor the Moore–Penrose pseudo-inverse):
 * `linear · M · M2L` smooths the spectrum over neighbouring bins, which is what limits the mel round trip.
 * The returned array is shared: do not modify.
 */
export function melToLinearMatrix(spec: SpectralConfig): Float64Array {
  const key = keyOf(spec);
  const hit = m2lCache.get(key);
  if (hit) return hit;
  const m = linearToMelMatrix(spec);
  const n = spec.bins; // square: nLin === nMel
  // colsum_j of P = m·m_t  =  Σ_k Σ_i m[k,i] m[j,i]  =  Σ_i m[j,i] · s_i  with s_i = Σ_k m[k,i].
  const s = new Float64Array(n);
  for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) s[i] += m[k * n + i];
  const d = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += m[j * n + i] * s[i];
    d[j] = Math.abs(sum) > 1.0e-8 ? 1.0 / sum : sum;
  }
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = m[j * n + i] * d[j];
  m2lCache.set(key, out);
  return out;
}
