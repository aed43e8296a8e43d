/**
 * When the instrument asks for a bank render. A preset, model or range change renders at once; morph moves (the
 * slider, the pad, MIDI controllers: dozens a second) at a bounded rate. A move starts a render of wherever the
 * morph is then, at most once per `minIntervalMs`, and never before the render it would supersede has delivered its
 * first note (the held pitch: render-order.ts), so on a slow backend held notes still follow the morph in steps
 * rather than every render being cancelled before it sounds. The last move always renders: after the morph stops,
 * its position's bank completes. A newer render cancels the older (AudioEngineController.renderLatent), so the
 * render queue holds the running render and at most one being cancelled. Pure (timers injected for tests).
 */

/** Default bound on morph renders: 10 a second. */
export const MORPH_RENDER_INTERVAL_MS = 100;

/** What the scheduler drives. */
export interface RenderSchedulerOptions {
  /** Renders the sound of now (superseding any render); resolves when that render settles. */
  readonly render: () => Promise<boolean>;
  /** Least time between two morph renders' starts, ms. */
  readonly minIntervalMs?: number;
  /** Clock and timers (tests pass fakes). */
  readonly nowMs?: () => number;
  readonly setTimer?: (f: () => void, ms: number) => unknown;
  readonly clearTimer?: (handle: unknown) => void;
}

/** See the module comment. */
export class RenderScheduler {
  private readonly minIntervalMs: number;
  private readonly nowMs: () => number;
  private readonly setTimer: (f: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;
  /** A morph move waits for its render. */
  private moved = false;
  private timer: unknown;
  private lastStartMs = -Infinity;
  /** The newest render has not delivered a note yet. */
  private awaitingFirstNote = false;
  private generation = 0;

  constructor(private readonly options: RenderSchedulerOptions) {
    this.minIntervalMs = options.minIntervalMs ?? MORPH_RENDER_INTERVAL_MS;
    if (!(this.minIntervalMs >= 0)) throw new RangeError(`minIntervalMs must be ≥ 0, got ${this.minIntervalMs}`);
    this.nowMs = options.nowMs ?? (() => performance.now());
    this.setTimer = options.setTimer ?? ((f, ms) => setTimeout(f, ms));
    this.clearTimer = options.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
  }

  /** True while a morph move waits for its render. */
  get pending(): boolean {
    return this.moved;
  }

  /** The morph moved: render its new position soon (see the module comment). */
  requestMorph(): void {
    this.moved = true;
    this.pump();
  }

  /** Renders now (a preset, model or range change); a morph render still waiting is dropped: this one covers it. */
  renderNow(): Promise<boolean> {
    this.cancel();
    return this.start();
  }

  /** The newest render delivered a note: a waiting morph may supersede it now. */
  noteDelivered(): void {
    this.awaitingFirstNote = false;
    this.pump();
  }

  /** Drops a waiting morph render (the element disconnected, or a render that covers it started). */
  cancel(): void {
    this.moved = false;
    if (this.timer !== undefined) this.clearTimer(this.timer);
    this.timer = undefined;
  }

  private pump(): void {
    if (!this.moved || this.timer !== undefined || this.awaitingFirstNote) return;
    const waitMs = this.lastStartMs + this.minIntervalMs - this.nowMs();
    if (waitMs > 0) {
      this.timer = this.setTimer(() => {
        this.timer = undefined;
        this.pump();
      }, waitMs);
      return;
    }
    this.moved = false;
    void this.start();
  }

  private start(): Promise<boolean> {
    const generation = ++this.generation;
    this.lastStartMs = this.nowMs();
    this.awaitingFirstNote = true;
    const settled = () => {
      if (generation === this.generation) this.awaitingFirstNote = false;
      this.pump();
    };
    const done = this.options.render();
    done.then(settled, settled);
    return done;
  }
}
