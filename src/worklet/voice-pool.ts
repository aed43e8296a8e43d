/**
 * The preallocated voice pool and the stealing policy (STYLE.md §5: nothing here allocates after construction).
 *
 * Stealing, when a note-on finds `polyphony` voices sounding (src/worklet/README.md):
 * 1. never a voice younger than MIN_STEAL_AGE_SEC (50 ms since its note-on) while an older one can go: a note just
 *    played is the one the player listens to, and its attack is the loudest part of it;
 * 2. among the voices that pass rule 1, released voices first, the quietest of them (level = envelope × velocity
 *    gain, so a soft note fading out goes before a loud one);
 * 3. then the oldest held voice (key down, or held by a pedal), by note-on order.
 * If every candidate is younger than 50 ms, rules 2 and 3 choose among them. Voices already fading (a steal, a swap,
 * all-sound-off) are never chosen: they do not count toward polyphony.
 */
import { MAX_POLYPHONY } from '../shared/protocol.ts';
import { Stage, Voice } from './voice.ts';

/** A voice younger than this (since its note-on) is stolen only when every candidate is. */
export const MIN_STEAL_AGE_SEC = 0.05;

/** Voices the pool holds: the polyphony ceiling plus as many again for voices fading after a steal or a swap. */
export const POOL_SIZE = 2 * MAX_POLYPHONY;

/** The engine's voices: a dense list of active ones (render order) and a stack of free ones. */
export class VoicePool {
  /** Active voices in [0, activeCount); the rest of the array holds free voices as placeholders (it never grows). */
  readonly active: Voice[] = [];
  activeCount = 0;
  private readonly free: Voice[] = [];
  private freeCount = 0;
  /**
   * Latest note-on frame a voice may have and still be "old enough" to steal (now − MIN_STEAL_AGE_SEC); the engine
   * writes it before chooseVictim(), a field rather than an argument so no double crosses a call (V8 would box it).
   */
  oldEnoughStartFrame = 0.5;

  constructor() {
    for (let i = 0; i < POOL_SIZE; i++) {
      const v = new Voice();
      this.free.push(v);
      this.active.push(v);
    }
    this.freeCount = POOL_SIZE;
    this.oldEnoughStartFrame = 0;
  }

  /** A free voice, now counted as active (the caller starts it). When none is free, the quietest fading one is cut. */
  acquire(): Voice {
    if (this.freeCount === 0) this.cutQuietestFading();
    const v = this.free[--this.freeCount]!;
    this.active[this.activeCount++] = v;
    return v;
  }

  /** Moves active voice `k` back to the free list (the last active voice takes its place). */
  release(k: number): void {
    const v = this.active[k]!;
    v.free();
    const last = --this.activeCount;
    this.active[k] = this.active[last]!;
    this.active[last] = v;
    this.free[this.freeCount++] = v;
  }

  /** Voices that count toward polyphony (every active one but those fading out). */
  sounding(): number {
    let n = 0;
    for (let k = 0; k < this.activeCount; k++) if (this.active[k]!.stage !== Stage.Fade) n++;
    return n;
  }

  /** The voice to steal (module comment), or null when every active voice is already fading. */
  chooseVictim(): Voice | null {
    const oldEnough = this.oldEnoughStartFrame;
    let released: Voice | null = null;
    let held: Voice | null = null;
    let youngReleased: Voice | null = null;
    let youngHeld: Voice | null = null;
    for (let k = 0; k < this.activeCount; k++) {
      const v = this.active[k]!;
      if (v.stage === Stage.Fade) continue;
      const old = v.startFrame <= oldEnough;
      if (v.stage === Stage.Release) {
        if (old) {
          if (released === null || v.env * v.gain < released.env * released.gain) released = v;
        } else if (youngReleased === null || v.env * v.gain < youngReleased.env * youngReleased.gain) {
          youngReleased = v;
        }
      } else if (old) {
        if (held === null || v.serial < held.serial) held = v;
      } else if (youngHeld === null || v.serial < youngHeld.serial) {
        youngHeld = v;
      }
    }
    return released ?? held ?? youngReleased ?? youngHeld;
  }

  /** Pool exhausted (over MAX_POLYPHONY steals or swaps within one fade): the quietest fading voice is cut. */
  private cutQuietestFading(): void {
    // A full pool holds at least POOL_SIZE − MAX_POLYPHONY fading voices (swaps do not add sounding ones).
    let best = -1;
    for (let k = 0; k < this.activeCount; k++) {
      const v = this.active[k]!;
      if (v.stage === Stage.Fade && (best < 0 || v.env < this.active[best]!.env)) best = k;
    }
    this.release(best < 0 ? 0 : best);
  }
}
