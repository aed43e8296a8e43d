/**
 * A listening-free sanity set for generated notes: clicks at onset/offset, DC offset, clipping and silence.
 * Each check is a number with a threshold, so a report can flag a note without anyone listening to it.
 */

/** Per-note sanity measurements. */
export interface SanityReport {
  /** Largest sample-to-sample jump in the first/last `edgeMs` relative to the note's RMS (a click is ≫ 1). */
  readonly onsetJumpRatio: number;
  readonly offsetJumpRatio: number;
  /** First/last sample values: a note that starts or ends far from 0 clicks when played. */
  readonly firstSample: number;
  readonly lastSample: number;
  /** Mean of the signal. */
  readonly dcOffset: number;
  /** Fraction of samples with |x| ≥ 0.999. */
  readonly clippedFraction: number;
  /** Fraction of 10 ms frames below `silenceDb` dBFS RMS. */
  readonly silenceRatio: number;
  readonly rmsDb: number;
  readonly peak: number;
  /** Names of the checks that failed the default thresholds. */
  readonly flags: readonly string[];
}

/** Thresholds of `checkNote` (defaults chosen so clean recorded notes pass; see trainer/README.md). */
export interface SanityThresholds {
  readonly edgeMs: number;
  readonly maxEdgeSample: number;
  readonly maxJumpRatio: number;
  readonly maxDcOffset: number;
  readonly maxClippedFraction: number;
  readonly silenceDb: number;
  readonly maxSilenceRatio: number;
}

export const DEFAULT_SANITY_THRESHOLDS: SanityThresholds = Object.freeze({
  edgeMs: 5,
  maxEdgeSample: 0.05,
  maxJumpRatio: 4,
  maxDcOffset: 0.01,
  maxClippedFraction: 0.001,
  silenceDb: -60,
  maxSilenceRatio: 0.9,
});

function maxJump(x: Float32Array, from: number, to: number): number {
  let m = 0;
  for (let i = Math.max(from, 1); i < Math.min(to, x.length); i++) m = Math.max(m, Math.abs(x[i]! - x[i - 1]!));
  return m;
}

/** Measures one note (mono, [-1, 1]) at `sampleRateHz`. */
export function checkNote(x: Float32Array, sampleRateHz: number, thresholds: Partial<SanityThresholds> = {}): SanityReport {
  const t = { ...DEFAULT_SANITY_THRESHOLDS, ...thresholds };
  if (x.length === 0) throw new Error('checkNote: empty signal');
  let sum = 0;
  let sumSq = 0;
  let peak = 0;
  let clipped = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    sum += v;
    sumSq += v * v;
    const a = Math.abs(v);
    if (a > peak) peak = a;
    if (a >= 0.999) clipped++;
  }
  const rms = Math.sqrt(sumSq / x.length);
  // Typical slope of the note: median-free estimate = RMS of the first difference.
  let diffSq = 0;
  for (let i = 1; i < x.length; i++) diffSq += (x[i]! - x[i - 1]!) ** 2;
  const slopeRms = Math.sqrt(diffSq / Math.max(1, x.length - 1)) || 1e-12;
  const edge = Math.max(2, Math.round((t.edgeMs / 1000) * sampleRateHz));
  const frame = Math.max(1, Math.round(0.01 * sampleRateHz));
  let silent = 0;
  let frames = 0;
  for (let s = 0; s + frame <= x.length; s += frame) {
    let e = 0;
    for (let i = s; i < s + frame; i++) e += x[i]! * x[i]!;
    const db = 10 * Math.log10(e / frame + 1e-20);
    if (db < t.silenceDb) silent++;
    frames++;
  }
  const r = {
    onsetJumpRatio: maxJump(x, 0, edge) / slopeRms,
    offsetJumpRatio: maxJump(x, x.length - edge, x.length) / slopeRms,
    firstSample: x[0]!,
    lastSample: x[x.length - 1]!,
    dcOffset: sum / x.length,
    clippedFraction: clipped / x.length,
    silenceRatio: frames ? silent / frames : 1,
    rmsDb: 20 * Math.log10(rms + 1e-20),
    peak,
  };
  const flags: string[] = [];
  if (Math.abs(r.firstSample) > t.maxEdgeSample || r.onsetJumpRatio > t.maxJumpRatio) flags.push('onset-click');
  if (Math.abs(r.lastSample) > t.maxEdgeSample || r.offsetJumpRatio > t.maxJumpRatio) flags.push('offset-click');
  if (Math.abs(r.dcOffset) > t.maxDcOffset) flags.push('dc-offset');
  if (r.clippedFraction > t.maxClippedFraction) flags.push('clipping');
  if (r.silenceRatio > t.maxSilenceRatio) flags.push('silence');
  return { ...r, flags };
}
