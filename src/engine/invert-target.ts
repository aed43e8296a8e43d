/**
 * Sound → preset, part 1: a recorded note (any rate, any channel count) becomes the model's input form — mono,
 * 16 kHz, starting at its onset, 4 s (cut or zero-padded) — with its MIDI pitch. Pure TS (no tfjs): the same in
 * Node, the page and a Worker. Every refusal names the sound (`source`, usually the file name) and says why.
 */
import { estimateF0Hz, hzToMidi } from '../shared/pitch.ts';
import type { DecodedWav } from '../shared/wav.ts';
import type { ModelConfig } from '../shared/model-config.ts';
import { designResampler, resampleTs } from './resample.ts';

/** A peak below this (dBFS) is silence: there is nothing to match. */
export const SILENCE_PEAK_DBFS = -60;
/** The shortest sound accepted from its onset, seconds (shorter ones are clicks, not notes). */
export const MIN_NOTE_SEC = 0.25;
/** Onset: the first 10 ms frame whose RMS is within this many dB of the loudest frame's. */
const ONSET_BELOW_PEAK_DB = 20;
/** Lead kept before the onset frame, seconds (the attack starts a little before the frame crosses the level). */
const ONSET_LEAD_SEC = 0.005;
/** Pitch analysis: YIN windows from 50 ms after the onset, every 32 ms, over at most 1 s of the note. */
const PITCH_SKIP_SEC = 0.05;
const PITCH_HOP_SEC = 0.032;
const PITCH_SPAN_SEC = 1.0;
/** A pitch is clear when YIN finds one in at least this share of the windows and most of them agree. */
const PITCH_VOICED_SHARE = 0.6;
/** Windows agree when within this many semitones of their median. */
const PITCH_AGREE_SEMITONES = 0.5;

/** Where the note's pitch came from. */
export type PitchSource = 'given' | 'file name' | 'f0';

/** A sound ready to invert. */
export interface InversionTarget {
  /** The name errors and presets use (a file name). */
  readonly source: string;
  /** Mono, the model's rate, from the onset, exactly `audioLengthSamples` long. */
  readonly samples: Float32Array;
  /** MIDI pitch the model is conditioned on. */
  readonly pitch: number;
  readonly pitchSource: PitchSource;
  /** YIN's median f0 over the note, Hz (0 when the pitch was not estimated or found). */
  readonly f0Hz: number;
  /** Seconds cut from the start of the (resampled) sound before its onset. */
  readonly onsetSec: number;
  /** Length of the sound from its onset, seconds, before cutting or padding to the model's length. */
  readonly durationSec: number;
  /** Peak of the input, dBFS. */
  readonly peakDbfs: number;
  /** What was done to the input, for the log: "stereo 96000 Hz → mono 16000 Hz". */
  readonly conversion: string;
}

/** Options of {@link prepareInversionTarget}. */
export interface TargetOptions {
  /** The sound's name for errors and presets (a file name). */
  source: string;
  /** Pitch to use instead of estimating it (MIDI). */
  pitch?: number;
}

/** A sound that cannot be inverted; the message names it. */
export class InversionInputError extends Error {
  override name = 'InversionInputError';
}

/**
 * The MIDI pitch a file name states, or undefined: NSynth's `instrument_family_source_NNN-PPP-VVV.wav` (PPP) and
 * `gansynth generate`'s `gansynth-pPP-sS.wav`.
 */
export function pitchFromFileName(name: string): number | undefined {
  const base = name.replace(/^.*[\\/]/, '').replace(/\.[a-z0-9]+$/i, '');
  const nsynth = /-(\d{3})-(\d{3})$/.exec(base);
  if (nsynth) return Number(nsynth[1]);
  const ours = /(?:^|[-_])p(\d{1,3})(?:[-_]|$)/.exec(base);
  return ours ? Number(ours[1]) : undefined;
}

/** Mean of the channels. */
function downmix(channels: readonly Float32Array[]): Float32Array {
  if (channels.length === 1) return channels[0]!;
  const out = new Float32Array(channels[0]!.length);
  for (const ch of channels) for (let i = 0; i < out.length; i++) out[i]! += ch[i]! / channels.length;
  return out;
}

/** Index of the onset: the start of the first 10 ms frame within ONSET_BELOW_PEAK_DB of the loudest frame. */
function onsetIndex(x: Float32Array, rateHz: number): number {
  const frame = Math.max(1, Math.round(rateHz * 0.01));
  const rms: number[] = [];
  for (let s = 0; s < x.length; s += frame) {
    let e = 0;
    const end = Math.min(x.length, s + frame);
    for (let i = s; i < end; i++) e += x[i]! * x[i]!;
    rms.push(Math.sqrt(e / (end - s)));
  }
  const loudest = Math.max(...rms);
  const level = loudest * 10 ** (-ONSET_BELOW_PEAK_DB / 20);
  const first = rms.findIndex((r) => r >= level);
  return Math.max(0, first * frame - Math.round(ONSET_LEAD_SEC * rateHz));
}

/** YIN over the note: the median f0 of the windows that found one, and how many did (voiced / windows). */
export function notePitchHz(x: Float32Array, rateHz: number): { f0Hz: number; voiced: number; windows: number; agreeing: number } {
  const hop = Math.round(PITCH_HOP_SEC * rateHz);
  const first = Math.round(PITCH_SKIP_SEC * rateHz);
  const last = Math.min(x.length - 4096, Math.round((PITCH_SKIP_SEC + PITCH_SPAN_SEC) * rateHz));
  const found: number[] = [];
  let windows = 0;
  for (let start = first; start <= last; start += hop) {
    windows++;
    const f0 = estimateF0Hz(x, rateHz, { start, windowSamples: 2048 });
    if (f0 > 0) found.push(f0);
  }
  if (found.length === 0) return { f0Hz: 0, voiced: 0, windows, agreeing: 0 };
  const sorted = [...found].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  const agreeing = found.filter((f) => Math.abs(hzToMidi(f) - hzToMidi(median)) <= PITCH_AGREE_SEMITONES).length;
  return { f0Hz: median, voiced: found.length, windows, agreeing };
}

/**
 * Prepares `wav` for inversion under `config`: downmixed to mono, resampled to the model's rate (the engine's
 * band-limited resampler), cut at its onset, cut or zero-padded to the note length. The pitch is `opts.pitch`, else
 * the one the file name states (NSynth's or `gansynth generate`'s names), else YIN's median f0 over the first
 * second, which must be clear (found in 60 % of the windows, and most of those within half a semitone of each
 * other). Throws {@link InversionInputError} naming `opts.source` for silence, a sound shorter than
 * MIN_NOTE_SEC, no clear pitch, a pitch outside the model's range, or audio it cannot read.
 */
export function prepareInversionTarget(wav: DecodedWav, config: ModelConfig, opts: TargetOptions): InversionTarget {
  const name = opts.source;
  const fail = (why: string): never => {
    throw new InversionInputError(`${name}: ${why}`);
  };
  const spec = config.spectral;
  if (wav.channels.length === 0 || wav.channels[0]!.length === 0) fail('has no audio samples');
  if (!Number.isInteger(wav.sampleRateHz) || wav.sampleRateHz < 4000 || wav.sampleRateHz > 384000) {
    fail(`sample rate ${wav.sampleRateHz} Hz is not one this reads (integer, 4000..384000 Hz)`);
  }
  let peak = 0;
  for (const ch of wav.channels) {
    for (let i = 0; i < ch.length; i++) {
      const a = Math.abs(ch[i]!);
      if (!Number.isFinite(a)) fail(`sample ${i} is not a finite number`);
      if (a > peak) peak = a;
    }
  }
  const peakDbfs = peak > 0 ? 20 * Math.log10(peak) : -Infinity;
  if (peakDbfs < SILENCE_PEAK_DBFS) {
    fail(`is silent (peak ${Number.isFinite(peakDbfs) ? `${peakDbfs.toFixed(1)} dBFS` : '-inf dBFS'}, below ${SILENCE_PEAK_DBFS} dBFS): nothing to match`);
  }
  const inDuration = wav.channels[0]!.length / wav.sampleRateHz;
  const channelWord = wav.channels.length === 1 ? 'mono' : wav.channels.length === 2 ? 'stereo' : `${wav.channels.length} channels`;
  let mono = downmix(wav.channels);
  if (wav.sampleRateHz !== spec.sampleRateHz) {
    let design;
    try {
      design = designResampler(wav.sampleRateHz, spec.sampleRateHz);
    } catch (e) {
      fail(`cannot resample ${wav.sampleRateHz} Hz to ${spec.sampleRateHz} Hz (${(e as Error).message})`);
    }
    mono = resampleTs(mono, design!);
  }
  const rate = spec.sampleRateHz;
  const onset = onsetIndex(mono, rate);
  const durationSec = (mono.length - onset) / rate;
  if (durationSec < MIN_NOTE_SEC) {
    fail(`is ${inDuration.toFixed(2)} s long (${durationSec.toFixed(2)} s from its onset): a note needs at least ${MIN_NOTE_SEC} s`);
  }
  const samples = new Float32Array(spec.audioLengthSamples);
  samples.set(mono.subarray(onset, onset + spec.audioLengthSamples));

  let pitch: number;
  let pitchSource: PitchSource;
  let f0Hz = 0;
  const named = pitchFromFileName(name);
  if (opts.pitch !== undefined) {
    pitch = opts.pitch;
    pitchSource = 'given';
  } else if (named !== undefined) {
    pitch = named;
    pitchSource = 'file name';
  } else {
    const est = notePitchHz(samples, rate);
    const clear = est.windows > 0 && est.voiced >= PITCH_VOICED_SHARE * est.windows && est.agreeing >= PITCH_VOICED_SHARE * est.voiced;
    if (!clear) {
      fail(
        `has no clear pitch (YIN found one in ${est.voiced} of ${est.windows} windows, ${est.agreeing} of them agreeing): ` +
        'unpitched sounds (noise, drums) cannot be matched by a pitched model; give the pitch if it has one',
      );
    }
    f0Hz = est.f0Hz;
    pitch = Math.round(hzToMidi(f0Hz));
    pitchSource = 'f0';
  }
  if (!Number.isInteger(pitch) || pitch < config.pitchMin || pitch > config.pitchMax) {
    const from = pitchSource === 'f0' ? ` (f0 ${f0Hz.toFixed(1)} Hz)` : pitchSource === 'file name' ? ' (from the file name)' : '';
    fail(`pitch ${pitch}${from} is outside the model's range ${config.pitchMin}..${config.pitchMax}`);
  }
  const rateWord = wav.sampleRateHz === rate ? `${rate} Hz` : `${wav.sampleRateHz} Hz → ${rate} Hz`;
  return {
    source: name, samples, pitch, pitchSource, f0Hz, onsetSec: onset / rate, durationSec, peakDbfs,
    conversion: `${channelWord}${wav.channels.length > 1 ? ' → mono' : ''}, ${rateWord}`,
  };
}
