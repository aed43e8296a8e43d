/**
 * The voice engine (STYLE.md §2): everything the `gansynth-voices` processor does, as a pure class with no DOM and no
 * tfjs, so Node tests drive it frame by frame. The processor only forwards messages and process() here.
 *
 * Policies (also in src/worklet/README.md):
 * - Polyphony: at most `config.polyphony` voices sound; a note-on beyond that steals released voices first (the
 *   quietest), then the oldest voice (held or pedal-sustained). A stolen voice fades to 0 in 5 ms (STEAL_FADE_SEC)
 *   alongside the new note instead of being cut, so a steal never clicks. Fading voices do not count.
 * - Velocity → gain: (velocity / 127)²  (-∞ … 0 dB; velocity 64 ≈ -6 dB, 32 ≈ -12 dB).
 * - Envelope: linear attack `attackSec`, hold at 1, linear release `releaseSec` from whatever level it is at.
 * - A repeated note (same pitch already held or pedal-sustained) releases the old voice and starts a new one.
 * - Sustain pedal: note-off while down marks the voice sustained; pedal up releases voices whose key is up.
 * - Pitch bend: one bend for all voices; ratio 2^(value × rangeSemitones / 12), read at a fractional rate.
 * - Output: the mono mix × `outputGain`, written identically to every output channel (stereo by default).
 * - Bank swap: a new buffer for a pitch is used by later note-ons; held and pedal-sustained voices of that pitch
 *   crossfade to it at the same time into the note over `swapCrossfadeSec` (linear, equal-gain; the old voice fades
 *   like a steal and does not count toward polyphony); released voices finish on their old buffer. 0: none do.
 * - Event queue: grows (in the message handler) to hold what a host schedules ahead; past MAX_QUEUED_EVENTS waiting,
 *   note-ons, pedal-downs and bends are refused and reported (at most once per second of audio), events that end
 *   sound (note-off, pedal-up, all-notes-off, all-sound-off) never are.
 */
import {
  DEFAULT_VOICE_CONFIG,
  MAX_POLYPHONY,
  MAX_QUEUED_EVENTS,
  type FromWorklet,
  type ToWorklet,
  type VoiceConfig,
  type VoiceStats,
} from '../shared/protocol.ts';
import { DEFAULT_EVENT_CAPACITY, EventKind, EventQueue } from './event-queue.ts';
import { OverflowReporter, endsSound } from './queue-policy.ts';
import { bankSlotFromMessage, checkFrame, checkNumber, checkPitch, mergeVoiceConfig } from './validate.ts';
import { Stage, Voice, renderVoice, type BankSlot, type MixState } from './voice.ts';

/** Length of the fade a stolen voice (or all-sound-off) gets instead of a cut. */
export const STEAL_FADE_SEC = 0.005;
/** Pitch-bend range before any `bendRange` message (the MIDI default). */
export const DEFAULT_BEND_RANGE_SEMITONES = 2;

/** How the engine talks back (the processor passes `port.postMessage`). */
export type PostFn = (m: FromWorklet) => void;

/** Voices the pool holds: the polyphony ceiling plus as many again for voices fading after a steal. */
const POOL_SIZE = 2 * MAX_POLYPHONY;

/** The sampler behind the worklet. Construct once per AudioWorkletNode; drive with handleMessage() and process(). */
export class VoiceEngine {
  readonly sampleRateHz: number;
  private readonly post: PostFn;
  private cfg: VoiceConfig;
  private attackFrames = 0;
  private releaseFrames = 1;
  private swapFrames = 0;
  private readonly stealFrames: number;
  private readonly queue = new EventQueue(DEFAULT_EVENT_CAPACITY, Infinity);
  private readonly banks: (BankSlot | null)[] = new Array<BankSlot | null>(128).fill(null);
  private readonly freeVoices: Voice[] = [];
  private freeCount = 0;
  private readonly activeVoices: Voice[] = [];
  private activeCount = 0;
  private pedalDown = false;
  // Non-integer initial values: these fields hold doubles, and a Smi-typed field would be re-shaped on the audio path.
  private bendValue = 0.5;
  private bendRangeSemitones = 0.5;
  private readonly mix: MixState = { bendRatio: 1.5 };
  private nextFrame = 0;
  private serial = 0;
  private peakVoices = 0;
  private stolenVoices = 0;
  private notesWithoutBank = 0;
  private crossfadedVoices = 0;
  private readonly overflow = new OverflowReporter();

  /** `options` over DEFAULT_VOICE_CONFIG; throws on invalid settings. */
  constructor(sampleRateHz: number, post: PostFn, options: Partial<VoiceConfig> = {}) {
    this.sampleRateHz = checkNumber('sampleRateHz', sampleRateHz, 1000, 768000);
    this.post = post;
    this.cfg = mergeVoiceConfig(DEFAULT_VOICE_CONFIG, options);
    this.applyConfigFrames();
    this.stealFrames = Math.max(1, Math.round(STEAL_FADE_SEC * sampleRateHz));
    for (let i = 0; i < POOL_SIZE; i++) {
      const v = new Voice();
      this.freeVoices.push(v);
      this.activeVoices.push(v); // placeholder so the dense active list never grows
    }
    this.freeCount = POOL_SIZE;
    this.mix.bendRatio = 1; // created as 1.5 so the field is a double from the start
    this.bendValue = 0;
    this.bendRangeSemitones = DEFAULT_BEND_RANGE_SEMITONES;
  }

  /** Current settings. */
  get config(): VoiceConfig {
    return this.cfg;
  }

  /** Counters for the `stats` reply. */
  get stats(): VoiceStats {
    let bankPitches = 0;
    for (const b of this.banks) if (b) bankPitches++;
    return {
      currentFrame: this.nextFrame,
      activeVoices: this.activeCount,
      peakVoices: this.peakVoices,
      stolenVoices: this.stolenVoices,
      notesWithoutBank: this.notesWithoutBank,
      crossfadedVoices: this.crossfadedVoices,
      droppedEvents: this.overflow.dropped,
      queuedEvents: this.queue.size,
      bankPitches,
    };
  }

  /** A snapshot of the sounding voices, oldest first (for tests and debugging; allocates, so not for process()). */
  describeVoices(): { pitch: number; stage: keyof typeof Stage; env: number; gate: boolean; sustained: boolean; bankId: number }[] {
    const names = Object.keys(Stage) as (keyof typeof Stage)[];
    return this.activeVoices
      .slice(0, this.activeCount)
      .sort((a, b) => a.serial - b.serial)
      .map((v) => ({
        pitch: v.pitch,
        stage: names.find((k) => Stage[k] === v.stage)!,
        env: v.env,
        gate: v.gate,
        sustained: v.sustained,
        bankId: v.bank?.bankId ?? -1,
      }));
  }

  /** The buffer new notes of `pitch` will play, or null. */
  bankFor(pitch: number): BankSlot | null {
    return this.banks[pitch] ?? null;
  }

  /** Handles one message from the page. Invalid messages are answered with an `error` message, never thrown. */
  handleMessage(m: ToWorklet): void {
    try {
      this.dispatch(m);
    } catch (e) {
      const cause = typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string' ? (m as { type: string }).type : undefined;
      this.post({ type: 'error', message: e instanceof Error ? e.message : String(e), ...(cause ? { cause } : {}) });
    }
  }

  private dispatch(m: ToWorklet): void {
    if (typeof m !== 'object' || m === null) throw new TypeError('message must be an object with a "type"');
    switch (m.type) {
      case 'bank':
      case 'bankShared': {
        const slot = bankSlotFromMessage(m, this.sampleRateHz);
        this.banks[slot.pitch] = slot;
        if (this.swapFrames > 0) this.crossfadeHeld(slot);
        this.post({ type: 'bankAccepted', pitch: slot.pitch, bankId: slot.bankId });
        return;
      }
      case 'noteOn': {
        const velocity = Math.round(checkNumber('velocity', m.velocity, 0, 127));
        const pitch = checkPitch(m.pitch);
        if (velocity === 0) this.enqueue(EventKind.NoteOff, m.frame, pitch, 0, m.type);
        else this.enqueue(EventKind.NoteOn, m.frame, pitch, velocity, m.type);
        return;
      }
      case 'noteOff':
        this.enqueue(EventKind.NoteOff, m.frame, checkPitch(m.pitch), 0, m.type);
        return;
      case 'sustain':
        if (typeof m.down !== 'boolean') throw new TypeError(`sustain.down must be a boolean, got ${String(m.down)}`);
        this.enqueue(EventKind.Sustain, m.frame, m.down ? 1 : 0, 0, m.type);
        return;
      case 'pitchBend':
        this.enqueue(EventKind.PitchBend, m.frame, checkNumber('pitchBend.value', m.value, -1, 1), 0, m.type);
        return;
      case 'bendRange':
        this.enqueue(EventKind.BendRange, m.frame, checkNumber('bendRange.semitones', m.semitones, 0, 48), 0, m.type);
        return;
      case 'allNotesOff':
        this.enqueue(EventKind.AllNotesOff, m.frame, 0, 0, m.type);
        return;
      case 'allSoundOff':
        this.enqueue(EventKind.AllSoundOff, m.frame, 0, 0, m.type);
        return;
      case 'config':
        this.cfg = mergeVoiceConfig(this.cfg, m.config);
        this.applyConfigFrames();
        return;
      case 'getStats':
        this.post({ type: 'stats', ...this.stats });
        return;
      default: {
        const unknown: never = m;
        throw new TypeError(`unknown message type "${String((unknown as { type?: unknown }).type)}"`);
      }
    }
  }

  private enqueue(kind: EventKind, frame: number | undefined, a: number, b: number, type: ToWorklet['type']): void {
    const f = checkFrame(frame);
    // Past or untimed events go to the next quantum's start, after events already queued for it (arrival order).
    const at = f === undefined || f < this.nextFrame ? this.nextFrame : f;
    // Past the limit only events that end sound get in (the queue grows for them): see queue-policy.ts.
    if (this.queue.size >= MAX_QUEUED_EVENTS && !endsSound(kind, a)) {
      const report = this.overflow.refuse(type, this.nextFrame, this.sampleRateHz);
      if (report) this.post(report);
      return;
    }
    this.queue.push(kind, at, a, b);
  }

  private applyConfigFrames(): void {
    this.swapFrames = Math.round(this.cfg.swapCrossfadeSec * this.sampleRateHz);
    this.attackFrames = Math.round(this.cfg.attackSec * this.sampleRateHz);
    this.releaseFrames = Math.max(1, Math.round(this.cfg.releaseSec * this.sampleRateHz));
  }

  /**
   * Renders one quantum into `channels` (each of the same length, usually 128) starting at absolute frame
   * `quantumStartFrame` (the worklet's `currentFrame`; in tests it defaults to continuing from the last call).
   * Cuts the quantum at event frames and applies events in order. Allocates nothing. Returns true (keep alive).
   */
  process(channels: readonly Float32Array[], quantumStartFrame: number = this.nextFrame): boolean {
    const out = channels[0];
    if (out === undefined) return true;
    const n = out.length;
    out.fill(0);
    this.nextFrame = quantumStartFrame;
    const queue = this.queue;
    const eventFrames = queue.frames;
    let offset = 0;
    while (offset < n) {
      const now = quantumStartFrame + offset;
      while (queue.size > 0 && eventFrames[queue.head]! <= now) {
        this.applyHeadEvent();
        queue.pop();
      }
      let end = n;
      if (queue.size > 0) {
        const due = eventFrames[queue.head]! - quantumStartFrame;
        if (due < n) end = due;
      }
      this.renderSlice(out, offset, end);
      offset = end;
    }
    const gain = this.cfg.outputGain;
    if (gain !== 1) for (let i = 0; i < n; i++) out[i] *= gain;
    for (let c = 1; c < channels.length; c++) channels[c]!.set(out);
    this.nextFrame = quantumStartFrame + n;
    return true;
  }

  private renderSlice(out: Float32Array, from: number, to: number): void {
    const active = this.activeVoices;
    const mix = this.mix;
    let k = 0;
    while (k < this.activeCount) {
      const v = active[k]!;
      if (renderVoice(v, out, from, to, mix)) k++;
      else this.release(k);
    }
  }

  /** Moves active voice `k` back to the free list (the last active voice takes its place). */
  private release(k: number): void {
    const v = this.activeVoices[k]!;
    v.free();
    const last = --this.activeCount;
    this.activeVoices[k] = this.activeVoices[last]!;
    this.activeVoices[last] = v;
    this.freeVoices[this.freeCount++] = v;
  }

  /** Applies the queue's earliest event; reads its fields in place (see EventQueue on boxing). */
  private applyHeadEvent(): void {
    const q = this.queue;
    const h = q.head;
    const kind = q.kinds[h]! as EventKind;
    switch (kind) {
      case EventKind.NoteOn:
        this.noteOn(q.as[h]! | 0, q.bs[h]! | 0);
        return;
      case EventKind.NoteOff:
        this.noteOff(q.as[h]! | 0);
        return;
      case EventKind.Sustain:
        this.pedalDown = q.as[h] === 1;
        if (!this.pedalDown) {
          for (let k = 0; k < this.activeCount; k++) {
            const v = this.activeVoices[k]!;
            if (v.sustained) v.rampDown(Stage.Release, this.releaseFrames);
          }
        }
        return;
      case EventKind.PitchBend:
        this.bendValue = q.as[h]!;
        this.mix.bendRatio = Math.pow(2, (this.bendValue * this.bendRangeSemitones) / 12);
        return;
      case EventKind.BendRange:
        this.bendRangeSemitones = q.as[h]!;
        this.mix.bendRatio = Math.pow(2, (this.bendValue * this.bendRangeSemitones) / 12);
        return;
      case EventKind.AllNotesOff:
        for (let k = 0; k < this.activeCount; k++) {
          const v = this.activeVoices[k]!;
          if (v.stage === Stage.Attack || v.stage === Stage.Hold) v.rampDown(Stage.Release, this.releaseFrames);
        }
        return;
      case EventKind.AllSoundOff:
        for (let k = 0; k < this.activeCount; k++) {
          const v = this.activeVoices[k]!;
          if (v.stage !== Stage.Fade) v.rampDown(Stage.Fade, this.stealFrames);
        }
        return;
      default: {
        const unknown: never = kind;
        return unknown;
      }
    }
  }

  private noteOn(pitch: number, velocity: number): void {
    const bank = this.banks[pitch];
    if (!bank) {
      this.notesWithoutBank++;
      return;
    }
    const active = this.activeVoices;
    let sounding = 0;
    for (let k = 0; k < this.activeCount; k++) {
      const v = active[k]!;
      // Re-trigger: the previous voice of this pitch (held or pedal-sustained) releases normally.
      if (v.pitch === pitch && (v.gate || v.sustained)) v.rampDown(Stage.Release, this.releaseFrames);
      if (v.stage !== Stage.Fade) sounding++;
    }
    for (; sounding >= this.cfg.polyphony; sounding--) {
      this.chooseVictim().rampDown(Stage.Fade, this.stealFrames);
      this.stolenVoices++;
    }
    if (this.freeCount === 0) this.cutQuietestFading();
    const v = this.freeVoices[--this.freeCount]!;
    v.start(bank, velocity, this.attackFrames, this.serial++);
    this.activeVoices[this.activeCount++] = v;
    if (this.activeCount > this.peakVoices) this.peakVoices = this.activeCount;
  }

  /** Held and pedal-sustained voices of `slot`'s pitch on another buffer move to `slot` (see the policy above). */
  private crossfadeHeld(slot: BankSlot): void {
    const n = this.activeCount; // voices added below are on `slot` already
    for (let k = 0; k < n; k++) {
      const v = this.activeVoices[k]!;
      if (v.pitch !== slot.pitch || v.bank === slot || (v.stage !== Stage.Attack && v.stage !== Stage.Hold)) continue;
      if (this.freeCount === 0) this.cutQuietestFading();
      const nv = this.freeVoices[--this.freeCount]!;
      nv.takeOver(v, slot, this.swapFrames);
      v.rampDown(Stage.Fade, this.swapFrames);
      this.activeVoices[this.activeCount++] = nv;
      this.crossfadedVoices++;
    }
    if (this.activeCount > this.peakVoices) this.peakVoices = this.activeCount;
  }

  /** Released voices first (quietest), then the oldest; never a voice already fading. */
  private chooseVictim(): Voice {
    let released: Voice | null = null;
    let oldest: Voice | null = null;
    for (let k = 0; k < this.activeCount; k++) {
      const v = this.activeVoices[k]!;
      if (v.stage === Stage.Release) {
        if (released === null || v.env < released.env) released = v;
      } else if (v.stage !== Stage.Fade && (oldest === null || v.serial < oldest.serial)) {
        oldest = v;
      }
    }
    return (released ?? oldest)!;
  }

  /** Pool exhausted (over MAX_POLYPHONY steals within 5 ms): the quietest fading voice is cut to make room. */
  private cutQuietestFading(): void {
    let best = 0;
    for (let k = 1; k < this.activeCount; k++) {
      if (this.activeVoices[k]!.env < this.activeVoices[best]!.env) best = k;
    }
    this.release(best);
  }

  private noteOff(pitch: number): void {
    for (let k = 0; k < this.activeCount; k++) {
      const v = this.activeVoices[k]!;
      if (v.pitch !== pitch || !v.gate) continue;
      if (this.pedalDown) {
        v.gate = false;
        v.sustained = true;
      } else {
        v.rampDown(Stage.Release, this.releaseFrames);
      }
    }
  }
}
