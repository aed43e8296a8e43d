/**
 * The latent over time of a rendered piece (Magenta's `get_random_instruments` + `get_z_notes`): anchor latents
 * at a fixed time interval, each note's latent the spherical interpolation at its start time.
 *
 * Magenta puts int(total / 2 s) anchors on linspace(-0.0001, total, n): fewer than 2 anchors (a piece under 4 s)
 * crashes, and the spacing is only approximately the interval. Here anchor k sits at exactly k · intervalSec,
 * k = 0..ceil(duration / intervalSec) (at least two), so any duration works and the interval means what it says.
 */
import { SeededRandom } from '../shared/random.ts';
import { slerp } from '../engine/latent.ts';

/** Anchor latents at times `timesSec` (ascending, same length as `latents`). */
export interface LatentTimeline {
  readonly latents: readonly Float32Array[];
  readonly timesSec: readonly number[];
}

/**
 * `count` anchors from one seed: a single SeededRandom stream (anchor k is normals k·size … (k+1)·size - 1),
 * so a longer piece keeps the anchors of a shorter one with the same seed.
 */
export function randomAnchorLatents(seed: number, count: number, latentSize: number): Float32Array[] {
  if (!Number.isInteger(count) || count < 1) throw new Error(`anchor count must be a positive integer, got ${count}`);
  const rng = new SeededRandom(seed);
  return Array.from({ length: count }, () => rng.normals(latentSize));
}

/** Number of anchors spanning `durationSec` at `intervalSec` (ceil(duration / interval) + 1, at least 2). */
export function anchorCount(durationSec: number, intervalSec: number): number {
  if (!(intervalSec > 0) || !Number.isFinite(intervalSec)) throw new Error(`intervalSec must be > 0, got ${intervalSec}`);
  if (!(durationSec >= 0) || !Number.isFinite(durationSec)) throw new Error(`durationSec must be ≥ 0, got ${durationSec}`);
  return Math.max(2, Math.ceil(durationSec / intervalSec) + 1);
}

/**
 * Anchors at 0, intervalSec, 2·intervalSec, … covering `durationSec`. `latents` are used in order and cycled when
 * fewer than needed (a preset list as anchors: A B C A B C …).
 */
export function timelineFromAnchors(latents: readonly Float32Array[], durationSec: number, intervalSec: number): LatentTimeline {
  if (latents.length === 0) throw new Error('timeline: need at least one anchor latent');
  const count = anchorCount(durationSec, intervalSec);
  return {
    latents: Array.from({ length: count }, (_, k) => latents[k % latents.length]!),
    timesSec: Array.from({ length: count }, (_, k) => k * intervalSec),
  };
}

/** A timeline of random anchors from `seed`. */
export function randomTimeline(seed: number, durationSec: number, intervalSec: number, latentSize: number): LatentTimeline {
  return timelineFromAnchors(randomAnchorLatents(seed, anchorCount(durationSec, intervalSec), latentSize), durationSec, intervalSec);
}

/** Which anchor segment `timeSec` falls in and how far along it: latent = slerp(latents[index], latents[index+1], t). */
export function timelinePosition(timeline: LatentTimeline, timeSec: number): { index: number; t: number } {
  const times = timeline.timesSec;
  if (times.length === 1) return { index: 0, t: 0 };
  if (timeSec <= times[0]!) return { index: 0, t: 0 };
  const last = times.length - 1;
  if (timeSec >= times[last]!) return { index: last - 1, t: 1 };
  let lo = 0;
  let hi = last;
  // Largest lo with times[lo] <= timeSec (binary search: pieces can have thousands of notes).
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (times[mid]! <= timeSec) lo = mid;
    else hi = mid;
  }
  return { index: lo, t: (timeSec - times[lo]!) / (times[lo + 1]! - times[lo]!) };
}

/** The latent at `timeSec`: spherical interpolation between the two anchors around it (clamped at the ends). */
export function latentAtTime(timeline: LatentTimeline, timeSec: number): Float32Array {
  const { index, t } = timelinePosition(timeline, timeSec);
  if (timeline.latents.length === 1) return timeline.latents[0]!.slice();
  const a = timeline.latents[index]!;
  const b = timeline.latents[index + 1]!;
  if (t === 0 || a === b) return a.slice();
  if (t === 1) return b.slice();
  return slerp(a, b, t);
}
