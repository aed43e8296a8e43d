/**
 * Loop-region finder: which steady part of a generated note the worklet repeats when a key is held longer than the
 * note buffer (GANSynth notes are 4 s: ~3 s of sustain, then the instrument's own release). Pure TS, no DOM.
 */
import type { LoopRegion } from './protocol.ts';

/** Tuning of `findLoopRegion`; all durations in seconds. */
export interface LoopSearchOptions {
  /** Skip this long after the loudest 10 ms window, so the attack transient is never repeated. */
  readonly settleSec: number;
  /** The region ends before the level falls this many dB under its level at the start. */
  readonly maxLevelDropDb: number;
  /** Shortest loop; a fast-decaying note still gets a loop this long. */
  readonly minLoopSec: number;
  /** Longest crossfade (also at most half the loop). */
  readonly maxCrossfadeSec: number;
  /** How far back from the level-based end the end may move to match the waveform at the start. */
  readonly phaseSearchSec: number;
}

/**
 * Defaults: settle 50 ms, ≤ 1 dB level drop (a bigger jump back up is heard as pumping on every repeat), loop ≥ 0.1 s,
 * crossfade ≤ 50 ms, phase search 25 ms (f0 ≥ 40 Hz).
 */
export const DEFAULT_LOOP_SEARCH: LoopSearchOptions = Object.freeze({
  settleSec: 0.05,
  maxLevelDropDb: 1,
  minLoopSec: 0.1,
  maxCrossfadeSec: 0.05,
  phaseSearchSec: 0.025,
});

/** Shortest buffer `findLoopRegion` accepts. */
export const MIN_LOOPABLE_SEC = 0.1;

/**
 * Chooses a steady region [startFrame, endFrame) of a mono note and a crossfade length for it:
 * 1. start = first point where the level (RMS over 100 ms, ≥ 3 periods of the lowest model pitch, so the level
 *    does not ripple with the waveform) comes within 1 dB of its maximum, + `settleSec` (past the attack);
 * 2. end = where that level first falls `maxLevelDropDb` under the level at the start (or 2 frames before the
 *    buffer's end), so looping does not jump in level;
 * 3. the end is then moved back by up to `phaseSearchSec` to the position whose pre-end segment best correlates with
 *    the pre-start segment: the two segments the crossfade mixes, so they add in phase instead of cancelling.
 * Always returns a region that satisfies the LoopRegion constraints in protocol.ts. Throws on a buffer shorter than
 * MIN_LOOPABLE_SEC, a bad rate, or non-finite samples.
 */
export function findLoopRegion(
  samples: Float32Array,
  sampleRateHz: number,
  options: Partial<LoopSearchOptions> = {},
): LoopRegion {
  const o = { ...DEFAULT_LOOP_SEARCH, ...options };
  if (!Number.isFinite(sampleRateHz) || sampleRateHz <= 0) throw new RangeError(`sampleRateHz must be > 0, got ${sampleRateHz}`);
  const length = samples.length;
  if (length < MIN_LOOPABLE_SEC * sampleRateHz) {
    throw new RangeError(`a loopable note needs ≥ ${MIN_LOOPABLE_SEC} s (${Math.ceil(MIN_LOOPABLE_SEC * sampleRateHz)} frames), got ${length}`);
  }
  for (let i = 0; i < length; i++) {
    if (!Number.isFinite(samples[i]!)) throw new RangeError(`sample ${i} is not finite (${samples[i]})`);
  }
  const lastEnd = length - 2; // the worklet's 4-point interpolation reads up to endFrame + 1
  const minLoopFrames = Math.min(Math.round(o.minLoopSec * sampleRateHz), Math.floor(length / 2));

  // Level track: RMS of a 100 ms window every 10 ms (prefix sums of squares: O(length)).
  const windowFrames = Math.min(Math.max(1, Math.round(0.1 * sampleRateHz)), length);
  const hopFrames = Math.max(1, Math.round(0.01 * sampleRateHz));
  const level = levelTrack(samples, windowFrames, hopFrames);
  let maxLevel = 0;
  for (let w = 0; w < level.length; w++) if (level[w]! > maxLevel) maxLevel = level[w]!;
  // The first window within 1 dB of the loudest: the argmax itself may sit anywhere in a flat sustain.
  let attackWindow = 0;
  while (attackWindow < level.length - 1 && level[attackWindow]! < maxLevel * 10 ** (-1 / 20)) attackWindow++;

  // Start: after the attack, but leave room for the shortest loop before the end.
  const latestStart = Math.max(1, lastEnd - minLoopFrames);
  let startFrame = Math.min(attackWindow * hopFrames + windowFrames + Math.round(o.settleSec * sampleRateHz), latestStart);

  // End: the middle of the first window (starting after startFrame) whose level fell too far under the start level.
  let endFrame = lastEnd;
  const startLevel = level[Math.min(level.length - 1, Math.floor(Math.max(0, startFrame - windowFrames) / hopFrames))]!;
  if (startLevel > 0) {
    const floor = startLevel * 10 ** (-o.maxLevelDropDb / 20);
    for (let w = Math.ceil(startFrame / hopFrames); w < level.length; w++) {
      if (level[w]! < floor) {
        endFrame = Math.min(lastEnd, w * hopFrames + (windowFrames >> 1));
        break;
      }
    }
  }
  endFrame = Math.max(endFrame, Math.min(lastEnd, startFrame + minLoopFrames));

  let crossfadeFrames = Math.max(1, Math.min(Math.round(o.maxCrossfadeSec * sampleRateHz), Math.floor((endFrame - startFrame) / 2)));
  if (startFrame < crossfadeFrames + 1) startFrame = crossfadeFrames + 1;
  if (endFrame - startFrame < 2 * crossfadeFrames) {
    crossfadeFrames = Math.max(1, Math.floor((endFrame - startFrame) / 2));
  }

  // Phase match: move the end back to where the crossfaded segments look most alike.
  const searchFrames = Math.min(Math.round(o.phaseSearchSec * sampleRateHz), endFrame - startFrame - 2 * crossfadeFrames);
  // Coarse pass every `step` frames (≤ 1/12 ms, fine for content up to ~3 kHz), then every frame around the best.
  const step = Math.max(1, Math.round(sampleRateHz / 12000));
  const score = (end: number): number => correlation(samples, end - crossfadeFrames, startFrame - crossfadeFrames, crossfadeFrames);
  let bestEnd = endFrame;
  let bestScore = -Infinity;
  for (let end = endFrame; end >= endFrame - searchFrames; end -= step) {
    const s = score(end);
    if (s > bestScore + 1e-9) {
      bestScore = s;
      bestEnd = end;
    }
  }
  const coarseBest = bestEnd;
  for (let end = Math.min(endFrame, coarseBest + step - 1); end >= Math.max(endFrame - searchFrames, coarseBest - step + 1); end--) {
    const s = score(end);
    if (s > bestScore + 1e-9) {
      bestScore = s;
      bestEnd = end;
    }
  }
  return { startFrame, endFrame: bestEnd, crossfadeFrames };
}

/** RMS of samples[w·hop, w·hop + window) for every window that fits. */
function levelTrack(samples: Float32Array, windowFrames: number, hopFrames: number): Float64Array {
  const prefix = new Float64Array(samples.length + 1);
  for (let i = 0; i < samples.length; i++) prefix[i + 1] = prefix[i]! + samples[i]! * samples[i]!;
  const count = Math.max(1, Math.floor((samples.length - windowFrames) / hopFrames) + 1);
  const out = new Float64Array(count);
  for (let w = 0; w < count; w++) {
    const a = w * hopFrames;
    out[w] = Math.sqrt(Math.max(0, prefix[a + windowFrames]! - prefix[a]!) / windowFrames);
  }
  return out;
}

/** Normalised cross-correlation of samples[a, a+n) and samples[b, b+n); 0 when either is silent. */
function correlation(samples: Float32Array, a: number, b: number, n: number): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    const x = samples[a + i]!;
    const y = samples[b + i]!;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}

/**
 * Checks a loop region against a buffer of `lengthFrames`; returns an error message, or undefined when valid.
 * The worklet runs this at its boundary; callers may run it before sending.
 */
export function loopRegionError(loop: LoopRegion, lengthFrames: number): string | undefined {
  const { startFrame, endFrame, crossfadeFrames } = loop;
  for (const [k, v] of Object.entries({ startFrame, endFrame, crossfadeFrames })) {
    if (!Number.isInteger(v)) return `loop.${k} must be an integer, got ${v}`;
  }
  if (crossfadeFrames < 1) return `loop.crossfadeFrames must be ≥ 1, got ${crossfadeFrames}`;
  if (startFrame < crossfadeFrames + 1) return `loop.startFrame (${startFrame}) must be ≥ crossfadeFrames + 1 (${crossfadeFrames + 1})`;
  if (endFrame - startFrame < crossfadeFrames) return `loop length (${endFrame - startFrame}) must be ≥ crossfadeFrames (${crossfadeFrames})`;
  if (endFrame > lengthFrames - 2) return `loop.endFrame (${endFrame}) must be ≤ length - 2 (${lengthFrames - 2})`;
  return undefined;
}
