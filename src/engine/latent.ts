/**
 * Latent vectors z ∈ R^256: seeded draws and interpolation between them (the morph pad, preset crossfades).
 * Pure TS on Float32Arrays: interpolation happens on the main thread, only the result goes to the GPU.
 */
import { LATENT_SIZE } from '../shared/constants.ts';
import { SeededRandom } from '../shared/random.ts';

/** A standard-normal latent drawn from `seed` (the same seed gives the same latent in every runtime). */
export function randomLatent(seed: number, size: number = LATENT_SIZE): Float32Array {
  if (!Number.isInteger(size) || size <= 0) throw new Error(`randomLatent: size must be a positive integer, got ${size}`);
  return new SeededRandom(seed).normals(size);
}

function checkPair(name: string, a: Float32Array, b: Float32Array, t: number): void {
  if (a.length !== b.length) throw new Error(`${name}: latents differ in length (${a.length} vs ${b.length})`);
  if (!Number.isFinite(t)) throw new Error(`${name}: t must be a finite number, got ${t}`);
}

/** Linear interpolation (1 - t)·a + t·b; t outside [0, 1] extrapolates. */
export function lerp(a: Float32Array, b: Float32Array, t: number): Float32Array {
  checkPair('lerp', a, b, t);
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (1 - t) * a[i]! + t * b[i]!;
  return out;
}

/**
 * Spherical interpolation (Shoemake): keeps the norm profile of Gaussian latents, which lerp shrinks midway
 * (the midpoint of two independent N(0, I) draws has ~0.71× their norm, off the model's typical set).
 * Falls back to lerp when a and b are (anti-)parallel within 1e-6 or either is zero, where sin(Ω) → 0 makes
 * the formula ill-conditioned.
 */
export function slerp(a: Float32Array, b: Float32Array, t: number): Float32Array {
  checkPair('slerp', a, b, t);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  const normProduct = Math.sqrt(na * nb);
  if (normProduct === 0) return lerp(a, b, t);
  const cos = Math.min(1, Math.max(-1, dot / normProduct));
  const omega = Math.acos(cos);
  const sinOmega = Math.sin(omega);
  if (sinOmega < 1e-6) return lerp(a, b, t);
  const wa = Math.sin((1 - t) * omega) / sinOmega;
  const wb = Math.sin(t * omega) / sinOmega;
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = wa * a[i]! + wb * b[i]!;
  return out;
}

/**
 * Piecewise-spherical path through `anchors` at t ∈ [0, 1] (clamped): t = 0 is the first anchor, t = 1 the
 * last, equally spaced in between. One anchor returns a copy of it.
 */
export function interpolateLatents(anchors: readonly Float32Array[], t: number): Float32Array {
  if (anchors.length === 0) throw new Error('interpolateLatents: need at least one anchor');
  if (!Number.isFinite(t)) throw new Error(`interpolateLatents: t must be a finite number, got ${t}`);
  const size = anchors[0]!.length;
  anchors.forEach((a, i) => {
    if (a.length !== size) throw new Error(`interpolateLatents: anchor ${i} has length ${a.length}, anchor 0 has ${size}`);
  });
  if (anchors.length === 1) return anchors[0]!.slice();
  const pos = Math.min(1, Math.max(0, t)) * (anchors.length - 1);
  const seg = Math.min(Math.floor(pos), anchors.length - 2);
  return slerp(anchors[seg]!, anchors[seg + 1]!, pos - seg);
}

/**
 * The latent at (x, y) ∈ [0, 1]² (clamped) of a square with a latent at each corner, `corners` ordered
 * [(0,0), (1,0), (0,1), (1,1)]: spherical along x on the y = 0 and y = 1 edges, then spherical along y between
 * those two points. Slerp rather than bilinear weights because bilinear averaging of independent N(0, I) draws
 * shrinks the norm (to ~0.5× at the centre of four), off the model's typical set; this keeps it, and each edge
 * is exactly the 1-D path between its two corners (`slerp`), as the morph slider plays it.
 */
export function interpolateLatentsXY(corners: readonly Float32Array[], x: number, y: number): Float32Array {
  if (corners.length !== 4) throw new Error(`interpolateLatentsXY: need 4 corners, got ${corners.length}`);
  if (!Number.isFinite(x) || !Number.isFinite(y)) throw new Error(`interpolateLatentsXY: x and y must be finite, got ${x}, ${y}`);
  const cx = Math.min(1, Math.max(0, x));
  const cy = Math.min(1, Math.max(0, y));
  const [c00, c10, c01, c11] = corners as [Float32Array, Float32Array, Float32Array, Float32Array];
  return slerp(slerp(c00, c10, cx), slerp(c01, c11, cx), cy);
}
