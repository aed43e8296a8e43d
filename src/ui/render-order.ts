/**
 * The order a new bank renders in (DESIGN.md: held and recently played pitches first), so that what the
 * player is touching switches to the new sound first. Pure.
 */

/**
 * `pitches` reordered: `held` first (in the order given), then `recent` (most recent first), then the
 * rest by distance from the last played pitch (ties: lower first), since hands stay near where they
 * played. Pitches in `held`/`recent` that are not in `pitches` are ignored; nothing is duplicated.
 */
export function renderOrder(
  pitches: readonly number[],
  held: Iterable<number>,
  recent: readonly number[],
  lastPitch: number | undefined,
): number[] {
  const wanted = new Set(pitches);
  const out: number[] = [];
  const seen = new Set<number>();
  const add = (p: number) => {
    if (wanted.has(p) && !seen.has(p)) {
      seen.add(p);
      out.push(p);
    }
  };
  for (const p of held) add(p);
  for (let i = recent.length - 1; i >= 0; i--) add(recent[i]!);
  const centre = lastPitch ?? (pitches.length ? pitches[Math.floor(pitches.length / 2)]! : 0);
  const rest = pitches.filter((p) => !seen.has(p)).sort((a, b) => Math.abs(a - centre) - Math.abs(b - centre) || a - b);
  for (const p of rest) add(p);
  return out;
}

/** Remembers the last `capacity` distinct pitches played, oldest first. */
export class RecentPitches {
  private readonly list: number[] = [];
  constructor(private readonly capacity = 12) {}

  /** Records a played pitch (moves it to the newest end). */
  push(pitch: number): void {
    const i = this.list.indexOf(pitch);
    if (i >= 0) this.list.splice(i, 1);
    this.list.push(pitch);
    if (this.list.length > this.capacity) this.list.shift();
  }

  /** Oldest first. */
  get pitches(): readonly number[] {
    return this.list;
  }

  /** The most recently played pitch. */
  get last(): number | undefined {
    return this.list[this.list.length - 1];
  }
}
