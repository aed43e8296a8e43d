/**
 * A preallocated, frame-sorted ring of note events (STYLE.md §4, §5). Messages are pushed from the port's message
 * handler; `process()` pops them at their frame. Nothing here allocates after construction.
 */

/** Event kinds, stored as small integers in a Uint8Array. */
export const EventKind = Object.freeze({
  NoteOn: 1,
  NoteOff: 2,
  Sustain: 3,
  PitchBend: 4,
  BendRange: 5,
  AllNotesOff: 6,
  AllSoundOff: 7,
} as const);
/** One of EventKind's values. */
export type EventKind = (typeof EventKind)[keyof typeof EventKind];

/** Default capacity: ~4000 events queued ahead is far more than any scheduler sends per quantum. */
export const DEFAULT_EVENT_CAPACITY = 4096;

/**
 * Events in (frame, arrival) order. Insertion is an insertion sort from the tail: O(1) for events that arrive in
 * time order (the usual case), O(k) when k queued events are later than the new one.
 */
export class EventQueue {
  readonly capacity: number;
  private readonly mask: number;
  /**
   * Slot storage, read in place by the engine's process(): event fields pass through typed arrays and locals only,
   * because a non-integer double returned from (or passed to) a call that V8 does not inline is boxed on the heap.
   */
  readonly kinds: Uint8Array;
  readonly frames: Float64Array;
  readonly as: Float64Array;
  readonly bs: Float64Array;
  private headIndex = 0;
  private count = 0;

  /** `capacity` is rounded up to a power of two. */
  constructor(capacity = DEFAULT_EVENT_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    let size = 1;
    while (size < capacity) size *= 2;
    this.capacity = size;
    this.mask = size - 1;
    this.kinds = new Uint8Array(size);
    this.frames = new Float64Array(size);
    this.as = new Float64Array(size);
    this.bs = new Float64Array(size);
  }

  /** Slot of the earliest event (valid when size > 0). */
  get head(): number {
    return this.headIndex;
  }

  /** Events waiting. */
  get size(): number {
    return this.count;
  }

  /** Adds an event due at `frame` (an integer). Returns false, dropping it, when the queue is full. */
  push(kind: EventKind, frame: number, a: number, b: number): boolean {
    if (this.count === this.capacity) return false;
    const mask = this.mask;
    let i = this.count;
    // Shift later events one slot toward the tail until the new one fits (stable: equal frames keep arrival order).
    while (i > 0) {
      const prev = (this.headIndex + i - 1) & mask;
      if (this.frames[prev]! <= frame) break;
      const at = (this.headIndex + i) & mask;
      this.kinds[at] = this.kinds[prev]!;
      this.frames[at] = this.frames[prev]!;
      this.as[at] = this.as[prev]!;
      this.bs[at] = this.bs[prev]!;
      i--;
    }
    const at = (this.headIndex + i) & mask;
    this.kinds[at] = kind;
    this.frames[at] = frame;
    this.as[at] = a;
    this.bs[at] = b;
    this.count++;
    return true;
  }

  /** Removes the earliest event. */
  pop(): void {
    if (this.count === 0) return;
    this.headIndex = (this.headIndex + 1) & this.mask;
    this.count--;
  }

  /** Drops every event. */
  clear(): void {
    this.headIndex = 0;
    this.count = 0;
  }
}
