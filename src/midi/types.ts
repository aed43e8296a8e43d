/**
 * The types the MIDI-file modules share (the note synthesiser, the planned note, note buffers, the message
 * schedule, and what a mixer gets), in one module that imports none of those three, so midi-render.ts, midi-schedule.ts
 * and note-source.ts depend on it and not on each other's types.
 */
import type { NoteRequest } from '../engine/render-plan.ts';
import type { LoopRegion, VoiceConfig } from '../shared/protocol.ts';
import type { MidiNote } from './midi-notes.ts';

export type { NoteRequest } from '../engine/render-plan.ts';

/**
 * What synthesises notes: one mono buffer per request at `sampleRateHz` (a NoteRenderer adapter in practice;
 * the GANSynth generator + iSTFT + resampler). `onNote(done, total)` after each finished note.
 */
export interface NoteSynth {
  readonly latentSize: number;
  renderNotes(
    requests: readonly NoteRequest[],
    sampleRateHz: number,
    onNote?: (done: number, total: number) => void,
  ): Promise<Float32Array[]>;
}

/** A note with the latent it is rendered with and which distinct render it plays. */
export interface PlannedNote extends MidiNote {
  readonly latent: Float32Array;
  /** Index into `MidiRenderPlan.requests`. */
  readonly renderIndex: number;
}

/** A render ready to play: its samples and loop region. */
export interface NoteBuffer {
  readonly samples: Float32Array;
  readonly loop: LoopRegion;
}

/** What a mix driver reads note buffers from. */
export interface NoteBufferSource {
  /** The buffer of render `renderIndex`, synthesising it (and the next few) first when needed. */
  get(renderIndex: number): Promise<NoteBuffer>;
  /** The driver has delivered the last use of this render: the source forgets it (get() afterwards throws). */
  release(renderIndex: number): void;
}

/** A message for the voice engine and the frame before which it must be delivered. */
export interface ScheduledMessage {
  /** Output frame: deliver before rendering this frame (note events also carry it as `frame`). */
  readonly atFrame: number;
  readonly message:
    | {
      readonly type: 'bank'; readonly pitch: number; readonly bankId: number; readonly renderIndex: number;
      /** No later bank message uses this render: the driver may release (or transfer) it after this one. */
      readonly lastUse: boolean;
    }
    | { readonly type: 'noteOn'; readonly pitch: number; readonly velocity: number; readonly frame: number }
    | { readonly type: 'noteOff'; readonly pitch: number; readonly frame: number };
}

/** What a mixer gets: the schedule, where the note buffers it names come from, and the output to make. */
export interface MixInput {
  readonly schedule: readonly ScheduledMessage[];
  /** Note buffers by render index, synthesised on demand: await `get` before delivering a bank message. */
  readonly source: NoteBufferSource;
  readonly buffersRateHz: number;
  readonly sampleRateHz: number;
  readonly lengthFrames: number;
  readonly voiceConfig: Partial<VoiceConfig>;
  readonly onProgress?: (fraction: number) => void;
}

/**
 * Plays a schedule through the voice engine and returns the raw mono mix: the Node VoiceEngine driver
 * (src/node/midi-mix.ts) or the worklet in an OfflineAudioContext (src/ui/midi-offline.ts).
 */
export type Mixer = (input: MixInput) => Promise<Float32Array>;
