/**
 * GANSynth's evaluation metrics (Engel et al. 2019, §4.2) over a pitch classifier's outputs, in float64:
 * Pitch Accuracy (PA), Pitch Entropy (PE), Inception Score (IS), Fréchet distance on penultimate features (FID)
 * and the Number of statistically Different Bins (NDB, Richardson & Weiss 2018).
 */
import { SeededRandom } from 'gansynth-web/shared/random';
import { matmulSquare, meanAndCovariance, sqrtPsd, symmetricEigen } from './linalg.ts';
import { kMeans, nearestCentroid } from './kmeans.ts';

/** A value with its 95 % confidence interval half-width. */
export interface WithCi {
  readonly value: number;
  readonly ci95: number;
}

function argmax(p: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i]! > p[best]!) best = i;
  return best;
}

/**
 * PA: fraction of notes whose argmax pitch class equals the conditioned one, with a Wilson 95 % interval
 * half-width. `probs[i]` is a softmax over pitch classes, `labels[i]` the class index.
 */
export function pitchAccuracy(probs: readonly ArrayLike<number>[], labels: readonly number[]): WithCi {
  if (probs.length !== labels.length) throw new Error(`pitchAccuracy: ${probs.length} predictions vs ${labels.length} labels`);
  const n = probs.length;
  if (n === 0) throw new Error('pitchAccuracy: no predictions');
  let hits = 0;
  for (let i = 0; i < n; i++) if (argmax(probs[i]!) === labels[i]) hits++;
  const p = hits / n;
  const z = 1.959964;
  const denom = 1 + (z * z) / n;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denom;
  return { value: p, ci95: half };
}

/** Shannon entropy (nats) of one distribution; zero entries contribute 0. */
export function entropyNats(p: ArrayLike<number>): number {
  let h = 0;
  for (let i = 0; i < p.length; i++) {
    const x = p[i]!;
    if (x > 0) h -= x * Math.log(x);
  }
  return h;
}

/** PE: mean per-note entropy (nats) of the classifier's pitch distribution; lower = more clearly pitched. */
export function pitchEntropy(probs: readonly ArrayLike<number>[]): WithCi {
  const n = probs.length;
  if (n === 0) throw new Error('pitchEntropy: no predictions');
  const hs = probs.map(entropyNats);
  const mean = hs.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(hs.reduce((a, h) => a + (h - mean) ** 2, 0) / (n - 1)) : 0;
  return { value: mean, ci95: (1.959964 * sd) / Math.sqrt(n) };
}

/**
 * IS = exp(E_x KL(p(y|x) ‖ p(y))), computed over `splits` equal consecutive splits (as Salimans et al. and
 * Magenta's classifier_score); returns the mean over splits and 1.96·std/√splits.
 */
export function inceptionScore(probs: readonly ArrayLike<number>[], splits = 10): WithCi {
  const n = probs.length;
  if (n === 0) throw new Error('inceptionScore: no predictions');
  const k = Math.max(1, Math.min(splits, n));
  const scores: number[] = [];
  for (let s = 0; s < k; s++) {
    const part = probs.slice(Math.floor((s * n) / k), Math.floor(((s + 1) * n) / k));
    const c = part[0]!.length;
    const marginal = new Float64Array(c);
    for (const p of part) for (let j = 0; j < c; j++) marginal[j]! += p[j]! / part.length;
    let kl = 0;
    for (const p of part) {
      for (let j = 0; j < c; j++) {
        const x = p[j]!;
        if (x > 0) kl += x * (Math.log(x) - Math.log(marginal[j]!));
      }
    }
    scores.push(Math.exp(kl / part.length));
  }
  const mean = scores.reduce((a, b) => a + b, 0) / k;
  const sd = k > 1 ? Math.sqrt(scores.reduce((a, x) => a + (x - mean) ** 2, 0) / (k - 1)) : 0;
  return { value: mean, ci95: (1.959964 * sd) / Math.sqrt(k) };
}

/**
 * Fréchet distance between Gaussians fitted to two feature sets:
 * ‖μa − μb‖² + Tr(Σa + Σb − 2 (Σa^½ Σb Σa^½)^½).
 */
export function frechetDistance(a: readonly ArrayLike<number>[], b: readonly ArrayLike<number>[]): number {
  const A = meanAndCovariance(a);
  const B = meanAndCovariance(b);
  if (A.d !== B.d) throw new Error(`frechetDistance: feature sizes differ (${A.d} vs ${B.d})`);
  const d = A.d;
  let meanTerm = 0;
  for (let i = 0; i < d; i++) meanTerm += (A.mean[i]! - B.mean[i]!) ** 2;
  const sa = sqrtPsd(A.cov, d);
  const m = matmulSquare(matmulSquare(sa, B.cov, d), sa, d);
  // Symmetrise against rounding before the eigen-solve.
  for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) {
    const v = 0.5 * (m[i * d + j]! + m[j * d + i]!);
    m[i * d + j] = v;
    m[j * d + i] = v;
  }
  const { values } = symmetricEigen(m, d);
  let trSqrt = 0;
  for (const v of values) trSqrt += Math.sqrt(Math.max(v, 0));
  let tr = 0;
  for (let i = 0; i < d; i++) tr += A.cov[i * d + i]! + B.cov[i * d + i]!;
  return Math.max(0, meanTerm + tr - 2 * trSqrt);
}

/** One NDB bin: proportions of real and generated samples and whether they differ significantly. */
export interface NdbBin {
  readonly realProportion: number;
  readonly genProportion: number;
  readonly z: number;
  readonly different: boolean;
}

/** NDB result: `count` of `k` bins differ at level `alpha`. */
export interface NdbResult {
  readonly count: number;
  readonly k: number;
  readonly alpha: number;
  readonly bins: readonly NdbBin[];
}

/**
 * NDB: k-means (K bins) on the real samples, each generated sample assigned to its nearest centroid, then a
 * two-proportion z-test per bin (pooled variance) at level `alpha` (two-sided, default 0.05).
 */
export function numberOfDifferentBins(
  real: readonly ArrayLike<number>[],
  gen: readonly ArrayLike<number>[],
  opts: { k?: number; alpha?: number; seed?: number } = {},
): NdbResult {
  const k = opts.k ?? 50;
  const alpha = opts.alpha ?? 0.05;
  if (real.length < k) throw new Error(`NDB: need at least k=${k} real samples, got ${real.length}`);
  if (gen.length === 0) throw new Error('NDB: no generated samples');
  const { centroids, assignments } = kMeans(real, k, new SeededRandom(opts.seed ?? 0));
  const realCounts = new Float64Array(k);
  for (const a of assignments) realCounts[a]! += 1;
  const genCounts = new Float64Array(k);
  for (const g of gen) genCounts[nearestCentroid(g, centroids)]! += 1;
  const zCrit = normalQuantile(1 - alpha / 2);
  const n1 = real.length;
  const n2 = gen.length;
  const bins: NdbBin[] = [];
  let count = 0;
  for (let i = 0; i < k; i++) {
    const p1 = realCounts[i]! / n1;
    const p2 = genCounts[i]! / n2;
    const pooled = (realCounts[i]! + genCounts[i]!) / (n1 + n2);
    const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
    const z = se > 0 ? (p1 - p2) / se : 0;
    const different = Math.abs(z) > zCrit;
    if (different) count++;
    bins.push({ realProportion: p1, genProportion: p2, z, different });
  }
  return { count, k, alpha, bins };
}

/** Inverse standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`normalQuantile: p must be in (0, 1), got ${p}`);
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}
