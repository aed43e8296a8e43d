/**
 * MIDI file → audio, GANSynth style (Magenta's `gansynth_generate.py`, done better): parse the notes
 * (midi-notes.ts), give each note the latent of the timeline at its start time (latent-timeline.ts), render each
 * distinct (latent, pitch) once in batches, and play the result as the instrument would: a frame-timed list of
 * worklet messages (`ToWorklet`, src/shared/protocol.ts) that the real AudioWorklet (browser, OfflineAudioContext)
 * or the same VoiceEngine (Node, src/node/midi-mix.ts) turns into the mix. So a rendered file has the live instrument's
 * velocity curve, release, and loop extension of notes longer than the 4 s the model generates.
 *
 * Pure code: no tfjs, no DOM, no Node APIs; the note synthesis is injected (`NoteSynth`).
 */
import { MODEL_SAMPLE_RATE_HZ } from '../shared/constants.ts';
import { DEFAULT_VOICE_CONFIG } from '../shared/protocol.ts';
import { MIDI_NOTE_DEFAULTS, parseMidiNotes, type MidiNoteList, type MidiNoteOptions } from './midi-notes.ts';
import { latentAtTime, randomTimeline, timelineFromAnchors, type LatentTimeline } from './latent-timeline.ts';
import { StreamingNoteSource } from './note-source.ts';
import { mixLengthFrames, scheduleMessages } from './midi-schedule.ts';
import type { Mixer, NoteRequest, NoteSynth, PlannedNote } from './types.ts';
import { nowMs } from '../shared/clock.ts';

// The shared types and the schedule and note-source exports, so `gansynth-web` (src/index.ts) and callers that
// import this module see them here as before.
export type { Mixer, MixInput, NoteBuffer, NoteBufferSource, NoteRequest, NoteSynth, PlannedNote, ScheduledMessage } from './types.ts';
export { mixLengthFrames, scheduleMessages, stretchesOf } from './midi-schedule.ts';
export { StreamingNoteSource } from './note-source.ts';

/** Output rates a render may have. */
export const RENDER_RATES_HZ: readonly number[] = Object.freeze([16000, 22050, 44100, 48000]);

/** Where each note's latent comes from. */
export type LatentSource =
  | { readonly kind: 'random'; readonly seed: number }
  /** Anchor latents in order (cycled), e.g. a preset list. */
  | { readonly kind: 'anchors'; readonly latents: readonly Float32Array[] }
  /** Every note the same latent (one preset): the piece played on one instrument. */
  | { readonly kind: 'fixed'; readonly latent: Float32Array };

/** Options of a MIDI render (MIDI reading options included). */
export interface MidiRenderOptions extends MidiNoteOptions {
  readonly latents: LatentSource;
  /** Seconds between anchor latents (Magenta: 2). */
  readonly intervalSec: number;
  /** Output sample rate. */
  readonly sampleRateHz: number;
  /** 'peak': scale so the loudest sample is at `peakDb`; a number: fixed gain in dB on the raw mix. */
  readonly gain: 'peak' | number;
  /** Target of 'peak' normalisation, dBFS. */
  readonly peakDb: number;
  /** Release fade after each note's end (the worklet's `releaseSec`). */
  readonly releaseSec: number;
  /** Voices at once (the worklet's `polyphony`). */
  readonly polyphony: number;
  /**
   * 0 (default, as Magenta): each note's latent is taken at its exact start time, so notes at different times
   * never share a render. > 0: start times are rounded to this step first, so notes of one pitch within a step
   * share one render (a long piece renders far fewer notes; the timbre moves in steps).
   */
  readonly latentStepSec: number;
}

/** Defaults: random latents seed 0 every 2 s, 16 kHz, peak-normalised to -1 dBFS, the instrument's release. */
export const MIDI_RENDER_DEFAULTS: Readonly<MidiRenderOptions> = Object.freeze({
  ...MIDI_NOTE_DEFAULTS,
  latents: Object.freeze({ kind: 'random', seed: 0 }) as LatentSource,
  intervalSec: 2,
  sampleRateHz: MODEL_SAMPLE_RATE_HZ,
  gain: 'peak' as const,
  peakDb: -1,
  releaseSec: DEFAULT_VOICE_CONFIG.releaseSec,
  polyphony: DEFAULT_VOICE_CONFIG.polyphony,
  latentStepSec: 0,
});

/** Checks render options once at the boundary; returns them merged over the defaults. */
export function resolveMidiRenderOptions(options: Partial<MidiRenderOptions>): MidiRenderOptions {
  const o: MidiRenderOptions = { ...MIDI_RENDER_DEFAULTS, ...options };
  if (!RENDER_RATES_HZ.includes(o.sampleRateHz)) throw new Error(`sampleRateHz must be one of ${RENDER_RATES_HZ.join(', ')}, got ${o.sampleRateHz}`);
  if (!(o.intervalSec > 0) || !Number.isFinite(o.intervalSec)) throw new Error(`intervalSec must be a positive number, got ${o.intervalSec}`);
  if (o.gain !== 'peak' && !(Number.isFinite(o.gain) && o.gain >= -120 && o.gain <= 60)) {
    throw new Error(`gain must be 'peak' or a dB value in [-120, 60], got ${o.gain}`);
  }
  if (!(o.peakDb <= 0 && o.peakDb >= -60)) throw new Error(`peakDb must be in [-60, 0], got ${o.peakDb}`);
  if (!(o.releaseSec >= 0.001 && o.releaseSec <= 30)) throw new Error(`releaseSec must be in [0.001, 30], got ${o.releaseSec}`);
  if (!Number.isInteger(o.polyphony) || o.polyphony < 1) throw new Error(`polyphony must be a positive integer, got ${o.polyphony}`);
  if (!(o.latentStepSec >= 0) || !Number.isFinite(o.latentStepSec)) throw new Error(`latentStepSec must be ≥ 0, got ${o.latentStepSec}`);
  const l = o.latents;
  if (l.kind === 'random' && !Number.isFinite(l.seed)) throw new Error(`seed must be a finite number, got ${l.seed}`);
  if (l.kind === 'anchors' && l.latents.length === 0) throw new Error('anchor latents: need at least one');
  return o;
}

/** Everything decided before any audio is made. */
export interface MidiRenderPlan {
  readonly notes: PlannedNote[];
  /** Distinct (latent, pitch) pairs to synthesise (deduplicated). */
  readonly requests: NoteRequest[];
  readonly timeline: LatentTimeline;
  readonly midi: MidiNoteList;
}

/** The timeline for a piece of `durationSec` (a fixed latent is a one-anchor timeline). */
export function buildTimeline(source: LatentSource, durationSec: number, intervalSec: number, latentSize: number): LatentTimeline {
  switch (source.kind) {
    case 'random':
      return randomTimeline(source.seed, durationSec, intervalSec, latentSize);
    case 'anchors':
      source.latents.forEach((z, i) => {
        if (z.length !== latentSize) throw new Error(`anchor latent ${i} has ${z.length} values, the model needs ${latentSize}`);
      });
      return timelineFromAnchors(source.latents, durationSec, intervalSec);
    case 'fixed':
      if (source.latent.length !== latentSize) throw new Error(`latent has ${source.latent.length} values, the model needs ${latentSize}`);
      return { latents: [source.latent], timesSec: [0] };
    default: {
      const never: never = source;
      throw new Error(`unknown latent source ${JSON.stringify(never)}`);
    }
  }
}

function latentKey(pitch: number, z: Float32Array): string {
  return `${pitch}:${Array.from(new Uint32Array(z.buffer, z.byteOffset, z.length)).join(',')}`;
}

/** Latent per note and the deduplicated render list (chords and repeated notes on one latent render once). */
export function planMidiRender(midi: MidiNoteList, options: MidiRenderOptions, latentSize: number): MidiRenderPlan {
  const timeline = buildTimeline(options.latents, midi.durationSec, options.intervalSec, latentSize);
  const requests: NoteRequest[] = [];
  const byKey = new Map<string, number>();
  const notes = midi.notes.map((n) => {
    const step = options.latentStepSec;
    const latent = latentAtTime(timeline, step > 0 ? Math.round(n.startSec / step) * step : n.startSec);
    const key = latentKey(n.pitch, latent);
    let renderIndex = byKey.get(key);
    if (renderIndex === undefined) {
      renderIndex = requests.length;
      requests.push({ latent, pitch: n.pitch });
      byKey.set(key, renderIndex);
    }
    return { ...n, latent, renderIndex };
  });
  return { notes, requests, timeline, midi };
}

/** Linear gain that brings `peak` to `peakDb` (1 for silence, so silence stays silence). */
export function peakGain(peak: number, peakDb: number): number {
  return peak > 0 ? 10 ** (peakDb / 20) / peak : 1;
}

/** Applies 'peak' or fixed-dB gain in place; returns the linear gain used. */
export function applyGain(mix: Float32Array, gain: 'peak' | number, peakDb: number): number {
  let peak = 0;
  for (let i = 0; i < mix.length; i++) peak = Math.max(peak, Math.abs(mix[i]!));
  if (!Number.isFinite(peak)) throw new Error('the mix contains non-finite samples (NaN/Inf): the model output is broken');
  const g = gain === 'peak' ? peakGain(peak, peakDb) : 10 ** (gain / 20);
  for (let i = 0; i < mix.length; i++) mix[i] = mix[i]! * g;
  return g;
}

/** Parses and plans in one go (for callers that do not need the steps). */
export function planMidiFile(bytes: Uint8Array, options: Partial<MidiRenderOptions>, latentSize: number): MidiRenderPlan {
  const o = resolveMidiRenderOptions(options);
  return planMidiRender(parseMidiNotes(bytes, o), o, latentSize);
}

/** Progress of a MIDI render, by phase. */
export interface MidiRenderProgress {
  readonly phase: 'synth' | 'mix';
  readonly done: number;
  readonly total: number;
}

/** The finished render. */
export interface MidiRenderResult {
  /** Mono mix after gain, at `sampleRateHz`. */
  readonly samples: Float32Array;
  readonly sampleRateHz: number;
  readonly plan: MidiRenderPlan;
  /** Linear gain applied to the raw mix. */
  readonly gainLinear: number;
  /** Peak of the raw mix (before gain). */
  readonly rawPeak: number;
  readonly synthMs: number;
  readonly mixMs: number;
  /** Synthesis time per distinct note. */
  readonly msPerNote: number;
  /** Most note buffers held at once (they are synthesised as the mix reaches them and dropped after use). */
  readonly peakBuffersHeld: number;
  readonly warnings: string[];
}

/**
 * MIDI bytes → mono mix: parse, plan, then play the schedule through `mix` while each distinct (latent, pitch) is
 * synthesised once, in chunks of `chunkSize` as the mix reaches it (with its loop region), and dropped after its
 * last use; then apply the gain. Throws a clear Error on bad input (see parseMidiNotes) and when the mix comes
 * out silent (a broken model must not give a quietly empty WAV).
 */
export async function renderMidi(
  bytes: Uint8Array, synth: NoteSynth, mix: Mixer, options: Partial<MidiRenderOptions> = {},
  onProgress?: (p: MidiRenderProgress) => void, chunkSize = 16,
): Promise<MidiRenderResult> {
  const o = resolveMidiRenderOptions(options);
  const plan = planMidiRender(parseMidiNotes(bytes, o), o, synth.latentSize);
  const total = plan.requests.length;
  onProgress?.({ phase: 'synth', done: 0, total });
  const source = new StreamingNoteSource(synth, plan.requests, o.sampleRateHz, chunkSize, (done) => onProgress?.({ phase: 'synth', done, total }));
  const schedule = scheduleMessages(plan.notes, o.sampleRateHz);
  const lengthFrames = mixLengthFrames(plan.notes, o.sampleRateHz, o.releaseSec);
  const t0 = nowMs();
  const raw = await mix({
    schedule, source, buffersRateHz: o.sampleRateHz, sampleRateHz: o.sampleRateHz, lengthFrames,
    // swapCrossfadeSec 0: each note keeps its own render (a bank arriving for the next note of a pitch must not morph one still held).
    voiceConfig: { releaseSec: o.releaseSec, polyphony: o.polyphony, outputGain: 1, swapCrossfadeSec: 0 },
    onProgress: (f) => onProgress?.({ phase: 'mix', done: Math.round(f * 1000), total: 1000 }),
  });
  const wallMs = nowMs() - t0;
  if (source.rendered !== total) throw new Error(`the mix used ${source.rendered} of ${total} planned renders (internal)`);
  let rawPeak = 0;
  for (let i = 0; i < raw.length; i++) rawPeak = Math.max(rawPeak, Math.abs(raw[i]!));
  if (!(rawPeak > 0)) {
    throw new Error(`the mix of ${plan.notes.length} notes is silent (peak ${rawPeak}): the model produced no sound`);
  }
  const gainLinear = applyGain(raw, o.gain, o.peakDb);
  return {
    samples: raw, sampleRateHz: o.sampleRateHz, plan, gainLinear, rawPeak, synthMs: source.synthMs, mixMs: wallMs - source.synthMs,
    msPerNote: total > 0 ? source.synthMs / total : 0, peakBuffersHeld: source.peakHeld, warnings: plan.midi.warnings.messages,
  };
}
