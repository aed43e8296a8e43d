/**
 * The gain law of a bank-swap crossfade. Runs in the message handler when a bank arrives (it may allocate); the
 * voices then follow the levels it wrote, segment by segment, in process().
 *
 * A linear equal-gain crossfade, out = 1 − t and in = t, keeps the level only if the two buffers are identical in
 * phase (correlation ρ = 1); for ρ = 0 it dips 3 dB at the middle, and for ρ = −1 the two cancel. The sender aligns
 * the new buffer's phase (src/shared/swap-align.ts), which leaves ρ near 1 for renders that differ by a time shift,
 * but renders whose partials differ in relative phase stay partly decorrelated. So both gains are multiplied by
 *   k(t) = sqrt( (a + b)² / (a² + b² + 2ρab) ),  a = (1 − t)·e0,  b = t·r,
 * (e0: the old voice's level when the swap starts, r: new RMS / old RMS), which keeps the mix's power on the line
 * the in-phase crossfade would draw between the two levels. ρ is clamped to [0, 1]: k ≤ √2 (+3 dB at most, when
 * the sender measured no correlation), and k = 1 (the plain linear crossfade) when ρ = 1.
 */

/** Straight segments the crossfade curve is drawn with (each ≥ 1 frame; 16 × 5 ms for the default 80 ms). */
export const SWAP_CURVE_SEGMENTS = 16;

/** k(t) of the module comment: the level compensation at fraction `t` (0..1) of the crossfade. */
export function swapCompensation(t: number, startEnv: number, correlation: number, levelRatio: number): number {
  const rho = correlation < 0 ? 0 : correlation > 1 ? 1 : correlation;
  const a = (1 - t) * startEnv;
  const b = t * levelRatio;
  const actual = a * a + b * b + 2 * rho * a * b;
  return actual > 0 ? Math.sqrt(((a + b) * (a + b)) / actual) : 1;
}

/**
 * Writes the envelope levels at the `segments + 1` boundaries of a swap crossfade: `fadeIn` (the new voice, 0 → 1)
 * into `inLevels`, and the old voice's (startEnv → 0) into `outLevels`.
 */
export function fillSwapCurves(
  inLevels: Float64Array,
  outLevels: Float64Array,
  segments: number,
  startEnv: number,
  correlation: number,
  levelRatio: number,
): void {
  for (let j = 0; j <= segments; j++) {
    const t = j / segments;
    const k = swapCompensation(t, startEnv, correlation, levelRatio);
    inLevels[j] = t * k;
    outLevels[j] = (1 - t) * startEnv * k;
  }
  inLevels[segments] = 1;
  outLevels[segments] = 0;
}
