/**
 * The voice engine (STYLE.md §2): everything the `gansynth-voices` processor does, as a pure class with no DOM and no
 * tfjs, so Node tests drive it frame by frame. The processor only forwards messages and process() here.
 * This file: message dispatch, the event timeline, note-on / note-off, bank swaps, bend, mixing. The pool and
 * stealing policy are in voice-pool.ts, the pedals in pedals.ts, the swap crossfade's gain law in swap-curve.ts.
 *
 * Policies (also in src/worklet/README.md):
 * - Polyphony: at most `config.polyphony` voices sound; a note-on beyond that steals (voice-pool.ts: never a voice
 *   under 50 ms old while another can go; released voices first, the quietest; then the oldest held). A stolen voice
 *   fades to 0 in 5 ms (STEAL_FADE_SEC) alongside the new note instead of being cut, so a steal never clicks.
 * - Velocity → gain: (velocity / 127)²  (-∞ … 0 dB; velocity 64 ≈ -6 dB, 32 ≈ -12 dB); soft pedal −6 dB more.
 * - Envelope: linear attack `attackSec` (≥ 10 ms under the soft pedal), hold at 1, linear release `releaseSec`.
 * - A repeated note (same pitch held by its key or a pedal) releases the old voice and starts a new one.
 * - A key pressed before its pitch has a buffer starts when the buffer arrives, if it is still down.
 * - Pedals (pedals.ts): sustain, sostenuto, soft; all-notes-off is a key-up for every key (pedals still hold);
 *   all-sound-off fades everything in 5 ms; reset-all-controllers lifts every pedal and centres the bend.
 * - Pitch bend: one bend for all voices; ratio 2^(value × rangeSemitones / 12), read at a fractional rate.
 * - Output: the mono mix × `outputGain`, written identically to every output channel (stereo by default).
 * - Bank swap: a new buffer for a pitch is used by later note-ons; held voices of that pitch crossfade to it over
 *   `swapCrossfadeSec`, at the same time into the note plus the sender's phase offset, on a level-compensated curve
 *   (swap-curve.ts; the old voice fades and does not count toward polyphony); released voices finish on their old
 *   buffer. 0: none do.
 * - Event queue: grows (in the message handler) to hold what a host schedules ahead; past MAX_QUEUED_EVENTS waiting,
 *   note-ons, pedal-downs and bends are refused and reported (at most once per second of audio), events that end
 *   sound or a pedal never are (queue-policy.ts).
 */
import {
  DEFAULT_VOICE_CONFIG,
  MAX_QUEUED_EVENTS,
  SOFT_PEDAL_ATTACK_SEC,
  type FromWorklet,
  type ToWorklet,
  type VoiceConfig,
  type VoiceStats,
} from '../shared/protocol.ts';
import { DEFAULT_EVENT_CAPACITY, EventKind, EventQueue } from './event-queue.ts';
import { OverflowReporter, endsSound } from './queue-policy.ts';
import { Pedals } from './pedals.ts';
import { bankSlotFromMessage, checkFrame, checkNumber, checkPitch, mergeVoiceConfig } from './validate.ts';
import { MIN_STEAL_AGE_SEC, VoicePool } from './voice-pool.ts';
import { Stage, renderVoice, type BankSlot, type MixState } from './voice.ts';

/** Length of the fade a stolen voice (or all-sound-off) gets instead of a cut. */
export const STEAL_FADE_SEC = 0.005;
/** Pitch-bend range before any `bendRange` message (the MIDI default). */
export const DEFAULT_BEND_RANGE_SEMITONES = 2;

/** How the engine talks back (the processor passes `port.postMessage`). */
export type PostFn = (m: FromWorklet) => void;

/** The sampler behind the worklet. Construct once per AudioWorkletNode; drive with handleMessage() and process(). */
export class VoiceEngine {
  readonly sampleRateHz: number;
  private readonly post: PostFn;
  private cfg: VoiceConfig;
  private attackFrames = 0;
  private softAttackFrames = 0;
  private releaseFrames = 1;
  private swapFrames = 0;
  private readonly stealFrames: number;
  private readonly minStealAgeFrames: number;
  private readonly queue = new EventQueue(DEFAULT_EVENT_CAPACITY, Infinity);
  private readonly banks: (BankSlot | null)[] = new Array<BankSlot | null>(128).fill(null);
  private readonly pool = new VoicePool();
  private readonly pedals = new Pedals(this.pool);
  // Non-integer initial values: these fields hold doubles, and a Smi-typed field would be re-shaped on the audio path.
  private bendValue = 0.5;
  private bendRangeSemitones = 0.5;
  private readonly mix: MixState = { bendRatio: 1.5 };
  private nextFrame = 0;
  private serial = 0;
  private peakVoices = 0;
  private stolenVoices = 0;
  private notesWithoutBank = 0;
  /** Velocity of a key held down with no bank for its pitch yet (0: none), by pitch: it starts when the bank lands. */
  private readonly waitingVelocity = new Uint8Array(128);
  private crossfadedVoices = 0;
  private readonly overflow = new OverflowReporter();

  /** `options` over DEFAULT_VOICE_CONFIG; throws on invalid settings. */
  constructor(sampleRateHz: number, post: PostFn, options: Partial<VoiceConfig> = {}) {
    this.sampleRateHz = checkNumber('sampleRateHz', sampleRateHz, 1000, 768000);
    this.post = post;
    this.cfg = mergeVoiceConfig(DEFAULT_VOICE_CONFIG, options);
    this.applyConfigFrames();
    this.stealFrames = Math.max(1, Math.round(STEAL_FADE_SEC * sampleRateHz));
    this.minStealAgeFrames = Math.round(MIN_STEAL_AGE_SEC * sampleRateHz);
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
      activeVoices: this.pool.activeCount,
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
  describeVoices(): { pitch: number; stage: keyof typeof Stage; env: number; gain: number; gate: boolean; sustained: boolean; sostenuto: boolean; bankId: number }[] {
    const names = Object.keys(Stage) as (keyof typeof Stage)[];
    return this.pool.active
      .slice(0, this.pool.activeCount)
      .sort((a, b) => a.serial - b.serial)
      .map((v) => ({
        pitch: v.pitch,
        stage: names.find((k) => Stage[k] === v.stage)!,
        env: v.env,
        gain: v.gain,
        gate: v.gate,
        sustained: v.sustained,
        sostenuto: v.sostenuto,
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
        const waiting = this.waitingVelocity[slot.pitch]!;
        if (waiting > 0) {
          // The key went down before its pitch was rendered and is still down: it sounds now.
          this.waitingVelocity[slot.pitch] = 0;
          this.noteOn(slot.pitch, waiting, this.nextFrame);
        }
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
        this.enqueue(EventKind.Sustain, m.frame, pedalDown(m), 0, m.type);
        return;
      case 'sostenuto':
        this.enqueue(EventKind.Sostenuto, m.frame, pedalDown(m), 0, m.type);
        return;
      case 'softPedal':
        this.enqueue(EventKind.SoftPedal, m.frame, pedalDown(m), 0, m.type);
        return;
      case 'resetControllers':
        this.enqueue(EventKind.ResetControllers, m.frame, 0, 0, m.type);
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
    this.softAttackFrames = Math.max(this.attackFrames, Math.round(SOFT_PEDAL_ATTACK_SEC * this.sampleRateHz));
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
    const pool = this.pool;
    const active = pool.active;
    const mix = this.mix;
    let k = 0;
    while (k < pool.activeCount) {
      const v = active[k]!;
      if (renderVoice(v, out, from, to, mix)) k++;
      else pool.release(k);
    }
  }

  /** Applies the queue's earliest event; reads its fields in place (see EventQueue on boxing). */
  private applyHeadEvent(): void {
    const q = this.queue;
    const h = q.head;
    const kind = q.kinds[h]! as EventKind;
    const pool = this.pool;
    switch (kind) {
      case EventKind.NoteOn:
        this.noteOn(q.as[h]! | 0, q.bs[h]! | 0, q.frames[h]!); // this note-on's frame
        return;
      case EventKind.NoteOff: {
        const pitch = q.as[h]! | 0;
        this.waitingVelocity[pitch] = 0;
        for (let k = 0; k < pool.activeCount; k++) {
          const v = pool.active[k]!;
          if (v.pitch === pitch) this.pedals.keyUp(v, this.releaseFrames);
        }
        return;
      }
      case EventKind.Sustain:
        this.pedals.sustain(q.as[h] === 1, this.releaseFrames);
        return;
      case EventKind.Sostenuto:
        this.pedals.sostenuto(q.as[h] === 1, this.releaseFrames);
        return;
      case EventKind.SoftPedal:
        this.pedals.softDown = q.as[h] === 1;
        return;
      case EventKind.ResetControllers:
        this.pedals.reset(this.releaseFrames);
        this.bendValue = 0;
        this.mix.bendRatio = 1;
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
        this.waitingVelocity.fill(0);
        for (let k = 0; k < pool.activeCount; k++) this.pedals.keyUp(pool.active[k]!, this.releaseFrames);
        return;
      case EventKind.AllSoundOff:
        this.waitingVelocity.fill(0);
        for (let k = 0; k < pool.activeCount; k++) {
          const v = pool.active[k]!;
          // Longer fades in progress (a swap crossfade's old voice) are cut short too.
          if (v.stage !== Stage.Fade || v.curveSegments > 0 || v.framesLeft > this.stealFrames) v.rampDown(Stage.Fade, this.stealFrames);
        }
        return;
      default: {
        const unknown: never = kind;
        return unknown;
      }
    }
  }

  /** Starts a voice of `pitch` at `nowFrame`; without a bank the key waits for it (`waitingVelocity`). */
  private noteOn(pitch: number, velocity: number, nowFrame: number): void {
    const bank = this.banks[pitch];
    if (!bank) {
      this.notesWithoutBank++;
      this.waitingVelocity[pitch] = velocity;
      return;
    }
    const pool = this.pool;
    for (let k = 0; k < pool.activeCount; k++) {
      const v = pool.active[k]!;
      // Re-trigger: the previous voice of this pitch (held by its key or a pedal) releases normally.
      if (v.pitch === pitch && v.held) v.rampDown(Stage.Release, this.releaseFrames);
    }
    pool.oldEnoughStartFrame = nowFrame - this.minStealAgeFrames;
    for (let sounding = pool.sounding(); sounding >= this.cfg.polyphony; sounding--) {
      const victim = pool.chooseVictim();
      if (victim === null) break;
      victim.rampDown(Stage.Fade, this.stealFrames);
      this.stolenVoices++;
    }
    const soft = this.pedals.softDown;
    const v = pool.acquire();
    v.start(bank, velocity, soft ? this.softAttackFrames : this.attackFrames, this.serial++, soft);
    v.startFrame = nowFrame;
    if (pool.activeCount > this.peakVoices) this.peakVoices = pool.activeCount;
  }

  /** Held voices of `slot`'s pitch on another buffer move to `slot` (see the policy above). Message handler only. */
  private crossfadeHeld(slot: BankSlot): void {
    const pool = this.pool;
    const n = pool.activeCount; // voices added below are on `slot` already
    for (let k = 0; k < n; k++) {
      const v = pool.active[k]!;
      if (v.pitch !== slot.pitch || v.bank === slot || (v.stage !== Stage.Attack && v.stage !== Stage.Hold)) continue;
      pool.acquire().takeOver(v, slot, this.swapFrames);
      this.crossfadedVoices++;
    }
    if (pool.activeCount > this.peakVoices) this.peakVoices = pool.activeCount;
  }
}

/** A pedal message's `down` as the event's field (1 down, 0 up); throws unless it is a boolean. */
function pedalDown(m: { type: string; down: unknown }): number {
  if (typeof m.down !== 'boolean') throw new TypeError(`${m.type}.down must be a boolean, got ${String(m.down)}`);
  return m.down ? 1 : 0;
}
