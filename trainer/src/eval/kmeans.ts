/**
 * Seeded k-means (k-means++ initialisation, Lloyd iterations) in float64, for NDB bins.
 */
import type { SeededRandom } from 'gansynth-web/shared/random';

function sqDist(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    s += d * d;
  }
  return s;
}

/** Index of the centroid nearest to `x` (squared Euclidean distance). */
export function nearestCentroid(x: ArrayLike<number>, centroids: readonly Float64Array[]): number {
  let best = 0;
  let bestD = Infinity;
  for (let c = 0; c < centroids.length; c++) {
    const d = sqDist(x, centroids[c]!);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

/** Clusters `points` into `k` groups; deterministic for a given `rng` state. */
export function kMeans(
  points: readonly ArrayLike<number>[],
  k: number,
  rng: SeededRandom,
  maxIterations = 100,
): { centroids: Float64Array[]; assignments: Int32Array } {
  const n = points.length;
  if (k < 1 || k > n) throw new Error(`kMeans: k must be in [1, ${n}], got ${k}`);
  const dim = points[0]!.length;
  const centroids: Float64Array[] = [Float64Array.from(points[rng.nextInt(n)]!)];
  const d2 = new Float64Array(n).fill(Infinity);
  while (centroids.length < k) {
    const last = centroids[centroids.length - 1]!;
    let total = 0;
    for (let i = 0; i < n; i++) {
      d2[i] = Math.min(d2[i]!, sqDist(points[i]!, last));
      total += d2[i]!;
    }
    let r = rng.next() * total;
    let pick = n - 1;
    for (let i = 0; i < n; i++) {
      r -= d2[i]!;
      if (r <= 0) {
        pick = i;
        break;
      }
    }
    centroids.push(Float64Array.from(points[pick]!));
  }
  const assignments = new Int32Array(n).fill(-1);
  for (let it = 0; it < maxIterations; it++) {
    let changed = 0;
    for (let i = 0; i < n; i++) {
      const c = nearestCentroid(points[i]!, centroids);
      if (c !== assignments[i]) {
        assignments[i] = c;
        changed++;
      }
    }
    const sums = centroids.map(() => new Float64Array(dim));
    const counts = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      const c = assignments[i]!;
      counts[c]! += 1;
      const p = points[i]!;
      const s = sums[c]!;
      for (let j = 0; j < dim; j++) s[j]! += p[j]!;
    }
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) continue; // keep an empty cluster's centroid where it was
      for (let j = 0; j < dim; j++) centroids[c]![j] = sums[c]![j]! / counts[c]!;
    }
    if (changed === 0) break;
  }
  return { centroids, assignments };
}
