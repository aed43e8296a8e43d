/**
 * A frame-sorted ring of note events (STYLE.md §4, §5). Messages are pushed from the port's message handler, which
 * may grow the ring; `process()` only reads and pops them at their frame, which never allocates.
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
  Sostenuto: 8,
  SoftPedal: 9,
  ResetControllers: 10,
} as const);
/** One of EventKind's values. */
export type EventKind = (typeof EventKind)[keyof typeof EventKind];

/** Initial capacity: ~4000 events queued ahead is far more than any live scheduler sends per quantum. */
export const DEFAULT_EVENT_CAPACITY = 4096;

/**
 * Events in (frame, arrival) order. The slot of a new event is found by binary search, and whichever side of it is
 * shorter moves one slot (toward the head or the tail): O(log n + min(before, after)), so a live event arriving
 * while thousands are scheduled ahead costs about nothing. When full, the storage doubles, up to `maxCapacity`.
 * Growing allocates: push() belongs to the port's message handler, never to process(), which only reads and pops.
 */
export class EventQueue {
  /** Slots allocated now (a power of two, at most maxCapacity). */
  capacity: number;
  /** Most events the queue will hold (a power of two); push() refuses beyond it. */
  readonly maxCapacity: number;
  private mask: number;
  /**
   * Slot storage, read in place by the engine's process(): event fields pass through typed arrays and locals only,
   * because a non-integer double returned from (or passed to) a call that V8 does not inline is boxed on the heap.
   * Replaced (bigger) when the queue grows, so read them afresh after a push().
   */
  kinds: Uint8Array;
  frames: Float64Array;
  as: Float64Array;
  bs: Float64Array;
  private headIndex = 0;
  private count = 0;

  /**
   * `initialCapacity` and `maxCapacity` (default: the same, a fixed ring) are rounded up to powers of two;
   * `maxCapacity` may be Infinity (grow as long as memory lasts).
   */
  constructor(initialCapacity = DEFAULT_EVENT_CAPACITY, maxCapacity = initialCapacity) {
    if (!Number.isInteger(initialCapacity) || initialCapacity < 1) throw new RangeError(`capacity must be a positive integer, got ${initialCapacity}`);
    if (!(maxCapacity >= initialCapacity)) throw new RangeError(`maxCapacity must be at least the capacity ${initialCapacity}, got ${maxCapacity}`);
    const size = powerOfTwoAtLeast(initialCapacity);
    this.capacity = size;
    this.maxCapacity = maxCapacity === Infinity ? Infinity : powerOfTwoAtLeast(maxCapacity);
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

  /**
   * Adds an event due at `frame` (an integer), after any queued event of the same frame. Grows the storage when
   * full; returns false, dropping the event, only when `maxCapacity` events are waiting.
   */
  push(kind: EventKind, frame: number, a: number, b: number): boolean {
    if (this.count === this.capacity) {
      if (this.capacity >= this.maxCapacity) return false;
      this.grow();
    }
    const mask = this.mask;
    const n = this.count;
    // First logical position whose frame is later than `frame` (stable: equal frames keep arrival order).
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.frames[(this.headIndex + mid) & mask]! <= frame) lo = mid + 1;
      else hi = mid;
    }
    if (lo < n - lo) {
      // Fewer events before the slot: move those one slot toward the head.
      this.headIndex = (this.headIndex - 1) & mask;
      for (let i = 0; i < lo; i++) this.move((this.headIndex + i + 1) & mask, (this.headIndex + i) & mask);
    } else {
      for (let i = n; i > lo; i--) this.move((this.headIndex + i - 1) & mask, (this.headIndex + i) & mask);
    }
    const at = (this.headIndex + lo) & mask;
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

  private move(from: number, to: number): void {
    this.kinds[to] = this.kinds[from]!;
    this.frames[to] = this.frames[from]!;
    this.as[to] = this.as[from]!;
    this.bs[to] = this.bs[from]!;
  }

  /** Doubles the storage, the events unwrapped to start at slot 0. */
  private grow(): void {
    const size = this.capacity * 2;
    const kinds = new Uint8Array(size);
    const frames = new Float64Array(size);
    const as = new Float64Array(size);
    const bs = new Float64Array(size);
    for (let i = 0; i < this.count; i++) {
      const from = (this.headIndex + i) & this.mask;
      kinds[i] = this.kinds[from]!;
      frames[i] = this.frames[from]!;
      as[i] = this.as[from]!;
      bs[i] = this.bs[from]!;
    }
    this.kinds = kinds;
    this.frames = frames;
    this.as = as;
    this.bs = bs;
    this.capacity = size;
    this.mask = size - 1;
    this.headIndex = 0;
  }
}

function powerOfTwoAtLeast(n: number): number {
  let size = 1;
  while (size < n) size *= 2;
  return size;
}
