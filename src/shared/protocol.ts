/**
 * The worklet message protocol (STYLE.md §3): one typed union per direction between the page (UI / bank renderer)
 * and the `gansynth-voices` AudioWorkletProcessor. Pure types and tiny helpers, importable from every runtime.
 *
 * Time: every event may carry `frame`, an absolute sample frame on the AudioContext's timeline (the worklet's
 * `currentFrame`; on the page `Math.round(ctx.currentTime * ctx.sampleRate)` plus a scheduling lead). Events are
 * applied in (frame, arrival) order, sample-accurately: the worklet cuts its 128-frame quantum at event frames.
 * An event without `frame`, or with a frame already past, applies at the start of the next quantum.
 */

/** The name the processor is registered under (`new AudioWorkletNode(ctx, WORKLET_PROCESSOR_NAME)`). */
export const WORKLET_PROCESSOR_NAME = 'gansynth-voices';

/** Hard ceiling of the preallocated voice pool; `config.polyphony` may be at most this. */
export const MAX_POLYPHONY = 256;

/**
 * Events that may wait in the worklet's queue (scheduled ahead, or not yet due). The queue grows to hold them (in the
 * message handler, never in process()); beyond this many, note-ons, pedal-downs, bends and bend ranges are refused
 * (counted in `droppedEvents`, reported by an `error` at most once per second of audio), while note-offs, pedal-ups
 * (sustain, sostenuto, soft), all-notes-off, all-sound-off and reset-all-controllers are always queued, so a note
 * never sounds forever and no pedal sticks. 25 bytes per event.
 */
export const MAX_QUEUED_EVENTS = 262_144;

/**
 * A steady region of a note buffer, in frames of that buffer: a note held past `endFrame` jumps back by
 * `endFrame - startFrame` with a linear crossfade over the `crossfadeFrames` frames before `endFrame` (blended with
 * the frames before `startFrame`). Constraints the worklet checks: `crossfadeFrames >= 1`,
 * `startFrame >= crossfadeFrames + 1`, `endFrame - startFrame >= crossfadeFrames`, `endFrame <= length - 2`.
 * `findLoopRegion` (src/shared/loop.ts) produces a valid one for any buffer of at least 0.1 s.
 */
export interface LoopRegion {
  readonly startFrame: number;
  readonly endFrame: number;
  readonly crossfadeFrames: number;
}

/** Engine settings; every field has a default (DEFAULT_VOICE_CONFIG). */
export interface VoiceConfig {
  /** Voices that may sound at once (1..MAX_POLYPHONY). Voices fading out after a steal do not count. */
  readonly polyphony: number;
  /** Linear attack ramp from 0 to full level, seconds (0..10). */
  readonly attackSec: number;
  /** Linear release ramp from the current level to 0 after note-off, seconds (0.001..30). */
  readonly releaseSec: number;
  /** Output gain, linear amplitude factor (0..16), applied to the mix. */
  readonly outputGain: number;
  /**
   * When a new buffer arrives for a pitch that is held (or pedal-sustained), the voice crossfades to it at the same
   * point in the note over this many seconds (0..2), so a preset change or a morph is heard on held notes too;
   * 0: held voices finish on their old buffer and only new notes use the new one.
   */
  readonly swapCrossfadeSec: number;
}

/** Defaults: 64 voices, 2 ms attack (only hides a non-zero first sample), 0.3 s release, unity gain, 80 ms swap crossfade. */
export const DEFAULT_VOICE_CONFIG: VoiceConfig = Object.freeze({
  polyphony: 64,
  attackSec: 0.002,
  releaseSec: 0.3,
  outputGain: 1,
  swapCrossfadeSec: 0.08,
});

/**
 * How a held voice moves from the pitch's previous buffer to this one (a bank swap), measured by the sender off the
 * audio thread (`findSwapAlignment`, src/shared/swap-align.ts) over the previous buffer's loop region. Applies only to
 * voices playing the buffer whose `bankId` is `fromBankId` (bank ids should be unique per pitch); other held voices
 * crossfade unaligned (offset 0, plain linear crossfade).
 */
export interface SwapAlignment {
  /** `bankId` of the buffer this one was aligned against (the pitch's previous buffer). */
  readonly fromBankId: number;
  /**
   * Frames of this buffer (0 ≤ offset < about one period of the pitch's f0) added to a held voice's read position
   * when it swaps, so the new buffer continues the old one's waveform in phase instead of cancelling it.
   */
  readonly offsetFrames: number;
  /** Normalised correlation (−1..1) of the two buffers at that offset: the crossfade's level compensation uses it. */
  readonly correlation: number;
  /** RMS of this buffer / RMS of the previous one over the same frames (> 0). */
  readonly levelRatio: number;
}

/**
 * A note buffer for one pitch, its memory transferred (put `samples.buffer` in the transfer list; see
 * `transferListOf`). Replaces the pitch's previous buffer for new notes; held voices crossfade to it
 * (`swapCrossfadeSec`), released ones finish on the old one.
 *
 * Every sample must be finite: the worklet checks lengths and types only, never each sample (that pass would run on
 * the audio thread). Senders check where the buffer is made: `findLoopRegion` refuses non-finite buffers.
 */
export interface BankMessage {
  readonly type: 'bank';
  /** MIDI pitch 0..127 this buffer plays. */
  readonly pitch: number;
  /** Caller's id of the bank (preset render) this buffer belongs to; echoed in `bankAccepted`. */
  readonly bankId: number;
  /** Mono PCM, any length ≥ 0.1 s; ideally already at the context's rate (no resampling cost, no aliasing). */
  readonly samples: Float32Array;
  /** Rate of `samples`; the worklet reads at `sampleRateHz / contextRateHz` frames per output frame. */
  readonly sampleRateHz: number;
  readonly loop: LoopRegion;
  /** Phase alignment for held voices swapping from the previous buffer (see SwapAlignment); omitted: unaligned. */
  readonly swap?: SwapAlignment;
}

/**
 * The same, with the PCM in a SharedArrayBuffer (cross-origin isolated pages): `lengthFrames` float32 frames at
 * `byteOffset`. The region must not be written after sending (sounding voices may read it until they end): render
 * each new bank into fresh memory.
 */
export interface SharedBankMessage {
  readonly type: 'bankShared';
  readonly pitch: number;
  readonly bankId: number;
  readonly buffer: SharedArrayBuffer;
  readonly byteOffset: number;
  readonly lengthFrames: number;
  readonly sampleRateHz: number;
  readonly loop: LoopRegion;
  readonly swap?: SwapAlignment;
}

/** Start a voice. Velocity 1..127 → gain (velocity/127)²; velocity 0 is a note-off (MIDI running-status habit). */
export interface NoteOnMessage {
  readonly type: 'noteOn';
  readonly pitch: number;
  readonly velocity: number;
  readonly frame?: number;
}

/** Release the held voice of `pitch` (kept sounding while the sustain pedal is down). */
export interface NoteOffMessage {
  readonly type: 'noteOff';
  readonly pitch: number;
  readonly frame?: number;
}

/** Sustain pedal (CC64, down when value ≥ 64). Pedal up releases every note whose key is already up. */
export interface SustainMessage {
  readonly type: 'sustain';
  readonly down: boolean;
  readonly frame?: number;
}

/**
 * Sostenuto pedal (CC66, down when value ≥ 64). On press, the voices whose keys are held at that moment are caught:
 * they keep sounding after their note-off until the pedal is released. Notes started later are not caught; a second
 * `down` while the pedal is down catches nothing new (controllers repeat CC66 values).
 */
export interface SostenutoMessage {
  readonly type: 'sostenuto';
  readonly down: boolean;
  readonly frame?: number;
}

/** Gain of notes started under the soft pedal, dB (−6 dB: half the amplitude, about velocity × 0.71). */
export const SOFT_PEDAL_GAIN_DB = -6;
/** Shortest attack of notes started under the soft pedal, seconds (the engine's own attack is 2 ms). */
export const SOFT_PEDAL_ATTACK_SEC = 0.01;

/**
 * Soft pedal (CC67, down when value ≥ 64; una corda). Notes started while it is down play at SOFT_PEDAL_GAIN_DB
 * (−6 dB) with an attack of at least SOFT_PEDAL_ATTACK_SEC (10 ms, a rounder onset); sounding notes are unchanged.
 */
export interface SoftPedalMessage {
  readonly type: 'softPedal';
  readonly down: boolean;
  readonly frame?: number;
}

/**
 * CC121 reset all controllers: sustain, sostenuto and soft pedal up, pitch bend to centre (the bend range is kept,
 * as RP-015 asks). Voices held only by a pedal release; voices whose key is down keep sounding.
 */
export interface ResetControllersMessage {
  readonly type: 'resetControllers';
  readonly frame?: number;
}

/** Pitch bend, -1..1 of the bend range (convert MIDI 14-bit values with `pitchBendFrom14Bit`). */
export interface PitchBendMessage {
  readonly type: 'pitchBend';
  readonly value: number;
  readonly frame?: number;
}

/** Bend range in semitones (RPN 0), 0..48; default 2. */
export interface BendRangeMessage {
  readonly type: 'bendRange';
  readonly semitones: number;
  readonly frame?: number;
}

/**
 * CC123: a note-off for every held key, as the MIDI spec asks: the voices' keys go up and they release normally,
 * except those a pedal holds (sustain, or sostenuto for the keys it caught), which sound until that pedal is
 * released. (Some keyboards send CC123 whenever the last key comes up; the pedal must outlast that.) To silence
 * everything, pedals included, send `allSoundOff` (and `resetControllers`).
 */
export interface AllNotesOffMessage {
  readonly type: 'allNotesOff';
  readonly frame?: number;
}

/**
 * CC120: every voice fades out within 5 ms (a fade rather than a cut, so no click), whatever holds it; longer fades
 * in progress (a swap crossfade) are shortened to 5 ms. Pedal states are kept.
 */
export interface AllSoundOffMessage {
  readonly type: 'allSoundOff';
  readonly frame?: number;
}

/** Change settings; omitted fields keep their current value. Applies when received (not frame-timed). */
export interface ConfigMessage {
  readonly type: 'config';
  readonly config: Partial<VoiceConfig>;
}

/** Ask for a `stats` reply (answered from the message handler, never from the audio callback). */
export interface GetStatsMessage {
  readonly type: 'getStats';
}

/** Page → worklet. */
export type ToWorklet =
  | BankMessage
  | SharedBankMessage
  | NoteOnMessage
  | NoteOffMessage
  | SustainMessage
  | SostenutoMessage
  | SoftPedalMessage
  | ResetControllersMessage
  | PitchBendMessage
  | BendRangeMessage
  | AllNotesOffMessage
  | AllSoundOffMessage
  | ConfigMessage
  | GetStatsMessage;

/** Engine counters, as in a `stats` reply. */
export interface VoiceStats {
  /** Frame at which the next quantum starts (the worklet's clock). */
  readonly currentFrame: number;
  /** Voices producing sound now, including ones fading out after a steal. */
  readonly activeVoices: number;
  /** Most voices active at once since start. */
  readonly peakVoices: number;
  /** Voices taken from a sounding note because polyphony was reached. */
  readonly stolenVoices: number;
  /** Note-ons for a pitch that had no buffer (silent). */
  readonly notesWithoutBank: number;
  /** Held voices moved to a new buffer by a bank swap (swapCrossfadeSec > 0). */
  readonly crossfadedVoices: number;
  /** Note-ons, pedal-downs and bends refused because MAX_QUEUED_EVENTS were waiting (note-offs never are). */
  readonly droppedEvents: number;
  /** Events waiting in the queue. */
  readonly queuedEvents: number;
  /** Pitches that have a buffer. */
  readonly bankPitches: number;
}

/** Sent once by the processor's constructor. */
export interface ReadyMessage {
  readonly type: 'ready';
  readonly sampleRateHz: number;
  readonly config: VoiceConfig;
}

/** Reply to `getStats`. */
export interface StatsMessage extends VoiceStats {
  readonly type: 'stats';
}

/** A `bank` / `bankShared` buffer was validated and is used for new notes of `pitch` from now on. */
export interface BankAcceptedMessage {
  readonly type: 'bankAccepted';
  readonly pitch: number;
  readonly bankId: number;
}

/** A message was rejected (bad field, bad loop region, full queue…). */
export interface ErrorMessage {
  readonly type: 'error';
  readonly message: string;
  /** `type` of the offending message, when there was one. */
  readonly cause?: string;
}

/** Worklet → page. */
export type FromWorklet = ReadyMessage | StatsMessage | BankAcceptedMessage | ErrorMessage;

/** MIDI pitch-bend 14-bit value (0..16383, centre 8192) → -1..1 (8191 steps up, 8192 down, as MIDI defines). */
export function pitchBendFrom14Bit(value14: number): number {
  if (!Number.isInteger(value14) || value14 < 0 || value14 > 16383) {
    throw new RangeError(`pitch bend must be an integer 0..16383, got ${value14}`);
  }
  return value14 >= 8192 ? (value14 - 8192) / 8191 : (value14 - 8192) / 8192;
}

/** What to pass as postMessage's transfer list: the PCM buffer of a `bank` message, nothing otherwise. */
export function transferListOf(m: ToWorklet): ArrayBuffer[] {
  // A Float32Array over a SharedArrayBuffer must not be transferred; use `bankShared` for those.
  return m.type === 'bank' && m.samples.buffer instanceof ArrayBuffer ? [m.samples.buffer] : [];
}
