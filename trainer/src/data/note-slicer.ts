/**
 * A recording becomes NSynth-shaped notes: mixed to mono, resampled to 16 kHz (the engine's Kaiser-windowed sinc
 * polyphase resampler, plain-TS form), cut at onsets into 4 s notes, each pitched by the shared YIN f0.
 *
 * Onsets, on 1024-sample frames every 10 ms: a level jump (12 dB over the quietest of the 50 ms before: a note
 * after a gap or a decay, soft slow attacks included), or a SuperFlux peak (the rise of the log-compressed magnitude
 * spectrum against the frame 20 ms back, max-filtered over ±1 bin) over its moving median, kept when the level had
 * dipped since the last onset and rises again (a re-attack) or when a steady pitch before and after differ by 0.7
 * semitone (legato). At least `minGapSec` apart, only where the sound is within `silenceDb` of the file's loudest
 * frame and above -80 dB RMS; before the file's start counts as silence. Each onset is moved back to the quietest
 * frame of the 50 ms before it, so a slow attack is kept whole, then to the first 5 ms block within 20 dB of the
 * attack's loudest (less 5 ms). A note runs from its onset for 4 s or to the next onset
 * (whichever is first), faded in over 2 ms and out over 10 ms at a cut, and zero-padded to 64,000 samples. A file of
 * at most `singleNoteMaxSec` is taken as one note (a one-shot sample), from its first onset.
 *
 * Pitch: YIN over 80 ms frames every 80 ms from 50 ms after the onset (past the attack) for up to 1 s, counting frames
 * within 30 dB of the note's loudest; the pitch is the median, rounded to a MIDI note. A note is dropped, with the
 * reason, when under half the frames are periodic (noise, a drum, a chord), when under 60 % of the periodic frames
 * lie within half a semitone of the median (a glide, vibrato wider than a semitone, octave flips), when it is
 * shorter than `minNoteSec`, or when its pitch is outside 24–84.
 */
import { MODEL_SAMPLE_RATE_HZ, NOTE_LENGTH_SAMPLES, PITCH_MAX, PITCH_MIN } from 'gansynth-web/shared/constants';
import { estimateF0Hz, hzToMidi, midiToHz } from 'gansynth-web/shared/pitch';
import { designResampler, resampleTs, type ResamplerDesign } from 'gansynth-web/engine/resample';
import { fft64, hannPeriodic } from 'gansynth-web/engine/spectral-reference';

/** How notes are found and judged; all have defaults ({@link NOTE_SLICER_DEFAULTS}). */
export interface NoteSlicerConfig {
  /** A file no longer than this is one note (default 4.5 s). */
  singleNoteMaxSec: number;
  /** Onsets closer than this to the previous one are ignored (default 0.1 s). */
  minGapSec: number;
  /** Notes shorter than this (cut by the next onset or the file's end) are dropped (default 0.15 s). */
  minNoteSec: number;
  /** Frames quieter than the file's loudest by more than this are silence: no onset there (default 45 dB). */
  silenceDb: number;
  /** Peak-picking threshold of the onset function over its moving median, in mean log-magnitude rise (default 0.06). */
  onsetThreshold: number;
  /** An onset's level rise (loudest of the 50 ms after over the quietest of the 50 ms before) unless the pitch changes; a third of it after a strong flux peak (default 9 dB). */
  minRiseDb: number;
  /** A level jump that is an onset by itself: the level 20 ms on over the quietest of the 50 ms before (default 12 dB). */
  levelJumpDb: number;
  /** Least fraction of analysed frames YIN finds periodic (default 0.5). */
  minVoicedFraction: number;
  /** Least fraction of periodic frames within ±0.5 semitone of the median (default 0.6). */
  minStableFraction: number;
}

/** Defaults of {@link NoteSlicerConfig}. */
export const NOTE_SLICER_DEFAULTS: NoteSlicerConfig = Object.freeze({
  singleNoteMaxSec: 4.5,
  minGapSec: 0.1,
  minNoteSec: 0.15,
  silenceDb: 45,
  onsetThreshold: 0.06,
  minRiseDb: 9,
  levelJumpDb: 12,
  minVoicedFraction: 0.5,
  minStableFraction: 0.6,
});

const RATE = MODEL_SAMPLE_RATE_HZ;
const FRAME = 1024;
const HOP = 160; // 10 ms
const BACKTRACK_FRAMES = 5; // 50 ms
const FLUX_LAG = 2; // 20 ms
// Frames under this RMS never sound, however quiet the file: 16-bit silence and dither are about -96 dBFS.
const ABSOLUTE_SILENCE_DB = -80;
const STRONG_FLUX_FACTOR = 4; // a flux peak this many thresholds over the median is a strong one
const REATTACK_DIP_DB = 3; // how far the level must have fallen since the last onset for a rise to be a re-attack
const FADE_IN_SAMPLES = 32; // 2 ms
const FADE_OUT_SAMPLES = 160; // 10 ms
const PITCH_SKIP_SAMPLES = 800; // 50 ms of attack
const PITCH_SPAN_SAMPLES = 16000; // 1 s
const PITCH_HOP_SAMPLES = 1280; // 80 ms
const PITCH_WINDOW_SAMPLES = 1280; // two periods of YIN's lowest f0 (27.5 Hz) and a little more
// YIN searches a little beyond 24–84 so that a note just outside is pitched (and dropped as out of range), not
// folded onto an octave inside it.
const YIN_MIN_HZ = midiToHz(PITCH_MIN - 3);
const YIN_MAX_HZ = midiToHz(PITCH_MAX + 4);

const designs = new Map<number, ResamplerDesign>();

/** Mono mix (mean of the channels) at 16 kHz. Throws naming the rate when it has no polyphase design. */
export function toModelRateMono(channels: readonly Float32Array[], sampleRateHz: number): Float32Array {
  const frames = channels[0].length;
  let mono = channels[0];
  if (channels.length > 1) {
    mono = new Float32Array(frames);
    for (const ch of channels) for (let i = 0; i < frames; i++) mono[i] += ch[i] / channels.length;
  }
  if (sampleRateHz === RATE) return mono;
  let design = designs.get(sampleRateHz);
  if (!design) {
    design = designResampler(sampleRateHz, RATE);
    designs.set(sampleRateHz, design);
  }
  return resampleTs(mono, design);
}

/** Onset function and frame levels of 16 kHz audio: one value per 10 ms hop, frame t centred on sample t·HOP. */
function analyse(x: Float32Array): { flux: Float64Array; levelDb: Float64Array } {
  const nFrames = Math.max(1, Math.ceil(x.length / HOP));
  const window = hannPeriodic(FRAME);
  const bins = FRAME / 2;
  const re = new Float64Array(FRAME);
  const im = new Float64Array(FRAME);
  // SuperFlux (Böck & Widmer 2013): the rise against the frame LAG hops back, max-filtered over ±1 bin, so
  // vibrato and the wobble of noise bins in a held note rise far less than a new note does.
  const history = Array.from({ length: FLUX_LAG + 1 }, () => new Float64Array(bins));
  const flux = new Float64Array(nFrames);
  const levelDb = new Float64Array(nFrames);
  for (let t = 0; t < nFrames; t++) {
    const start = t * HOP - FRAME / 2;
    let energy = 0;
    for (let i = 0; i < FRAME; i++) {
      const j = start + i;
      const v = j >= 0 && j < x.length ? x[j] : 0;
      energy += v * v;
      re[i] = v * window[i];
      im[i] = 0;
    }
    levelDb[t] = 10 * Math.log10(energy / FRAME + 1e-20);
    fft64(re, im);
    const cur = history[t % (FLUX_LAG + 1)];
    const back = history[(t + 1) % (FLUX_LAG + 1)]; // the frame FLUX_LAG hops back (zeros before the start)
    // log(1 + γ|X|), γ = 100: compresses the range so quiet and loud notes rise alike.
    for (let k = 0; k < bins; k++) cur[k] = Math.log1p(100 * Math.hypot(re[k + 1], im[k + 1]));
    let rise = 0;
    for (let k = 0; k < bins; k++) {
      const ref = Math.max(back[k], k > 0 ? back[k - 1] : 0, k + 1 < bins ? back[k + 1] : 0);
      const d = cur[k] - ref;
      if (d > 0) rise += d;
    }
    flux[t] = rise / bins;
  }
  return { flux, levelDb };
}

function median(xs: ArrayLike<number>, from: number, to: number): number {
  const a = Array.prototype.slice.call(xs, Math.max(0, from), Math.min(xs.length, to)) as number[];
  a.sort((p, q) => p - q);
  return a.length ? a[a.length >> 1] : 0;
}

/** YIN pitch (fractional MIDI) of 1024 samples from `start`, or NaN when aperiodic or out of the signal. */
function windowMidi(x: Float32Array, start: number): number {
  if (start < 0 || start + 2048 > x.length) return NaN;
  const f0 = estimateF0Hz(x, RATE, { start, windowSamples: 1024, minHz: YIN_MIN_HZ, maxHz: YIN_MAX_HZ });
  return f0 > 0 ? hzToMidi(f0) : NaN;
}

/** One side's pitch: two YIN windows 37.5 ms apart that agree within 0.35 semitone, else NaN. */
function steadyMidi(x: Float32Array, start: number): number {
  const a = windowMidi(x, start);
  const b = windowMidi(x, start + 600);
  return Math.abs(a - b) <= 0.35 ? (a + b) / 2 : NaN;
}

/** Whether a steady pitch before sample `at` (from 125 ms back) and a steady one after it (from 50 ms on) differ by 0.7 semitone or more. */
function pitchChanges(x: Float32Array, at: number): boolean {
  return Math.abs(steadyMidi(x, at - 2600) - steadyMidi(x, at + 800)) >= 0.7; // false when either is NaN
}

/**
 * The onset to the sample block: frames are 64 ms wide, so the quietest frame still lies up to ~30 ms before the
 * sound. In [from, to), the first 5 ms block whose RMS reaches a tenth (−20 dB) of the loudest block there, less one
 * block of pre-roll; `fallback` (the quietest frame's centre) when the sound is already that loud at `from` (a
 * re-attack over a sounding note) or silent throughout.
 */
function refineOnset(x: Float32Array, from: number, to: number, fallback: number): number {
  const block = 80;
  const rms: number[] = [];
  for (let s = from; s + block <= Math.min(to, x.length); s += block) {
    let e = 0;
    for (let i = s; i < s + block; i++) e += x[i] * x[i];
    rms.push(Math.sqrt(e / block));
  }
  const loudest = Math.max(0, ...rms);
  if (loudest === 0) return fallback;
  const first = rms.findIndex((r) => r >= 0.1 * loudest);
  return first <= 0 ? fallback : from + (first - 1) * block;
}

/** Onset sample positions in 16 kHz audio (ascending). */
export function detectOnsets(x: Float32Array, options: Partial<NoteSlicerConfig> = {}): number[] {
  const c = { ...NOTE_SLICER_DEFAULTS, ...options };
  const { flux, levelDb } = analyse(x);
  let loudest = -Infinity;
  for (const l of levelDb) loudest = Math.max(loudest, l);
  const gateDb = Math.max(loudest - c.silenceDb, ABSOLUTE_SILENCE_DB);
  const minGapFrames = Math.round((c.minGapSec * RATE) / HOP);
  const floorDb = loudest - 90;
  // Before the start is silence, so a sample whose sound begins at its first sample has an onset there.
  const level = (u: number): number => (u < 0 ? floorDb : Math.max(floorDb, levelDb[Math.min(levelDb.length - 1, u)]));
  const quietestBefore = (t: number): number => {
    let q = Infinity;
    for (let u = t - BACKTRACK_FRAMES; u <= t; u++) q = Math.min(q, level(u));
    return q;
  };
  const loudestAfter = (t: number): number => {
    let q = -Infinity;
    for (let u = t; u < t + BACKTRACK_FRAMES; u++) q = Math.max(q, level(u));
    return q;
  };
  // An onset is (a) a level jump: a note after a gap or a decay (this catches soft, slow attacks whose spectral
  // rise is small), or (b) a flux peak over the moving median where the level dipped since the last onset and rises
  // again (a re-attack) or where, legato, the pitch changes. A flux peak with none of these is vibrato, tremolo, a
  // bow change, the wobble of a held note, or the middle of a slow attack.
  const onsets: number[] = [];
  let last = -Infinity;
  let loudestSinceLast = -Infinity;
  let rising = false;
  for (let t = 1; t < flux.length; t++) {
    if (t - BACKTRACK_FRAMES > last) loudestSinceLast = Math.max(loudestSinceLast, level(t - BACKTRACK_FRAMES));
    const sounds = loudestAfter(t) >= gateDb;
    const jump = level(t + 2) - quietestBefore(t) >= c.levelJumpDb;
    let onset = jump && !rising && sounds;
    rising = jump && (rising || sounds);
    if (!onset && sounds && flux[t] >= median(flux, t - 50, t + 51) + c.onsetThreshold) {
      let isPeak = true;
      for (let u = t - 3; u <= t + 3 && isPeak; u++) if (u !== t && u >= 0 && u < flux.length && flux[u] > flux[t]) isPeak = false;
      const before = quietestBefore(t);
      // A strong spectral change needs less of a level rise than a weak one.
      const riseDb = flux[t] >= median(flux, t - 50, t + 51) + STRONG_FLUX_FACTOR * c.onsetThreshold ? c.minRiseDb / 3 : c.minRiseDb;
      const reattack = loudestAfter(t) - before >= riseDb && loudestSinceLast - before >= REATTACK_DIP_DB;
      onset = isPeak && (reattack || pitchChanges(x, t * HOP));
    }
    if (!onset || t - last < minGapFrames) continue;
    // Back to the quietest frame of the 50 ms before, not before the previous onset.
    let start = t;
    for (let u = t - 1; u >= Math.max(0, t - BACKTRACK_FRAMES, last + 1); u--) if (levelDb[u] < levelDb[start]) start = u;
    last = t;
    loudestSinceLast = -Infinity;
    onsets.push(refineOnset(x, Math.max(onsets.length ? onsets[onsets.length - 1] + 1 : 0, start * HOP - FRAME / 2), t * HOP + 2 * FRAME, start * HOP));
  }
  return onsets;
}

/** What the pitch analysis of one note found. */
export type NotePitch =
  | { ok: true; pitch: number; f0Hz: number; centsOff: number }
  | { ok: false; reason: string };

/** Pitch of a note (its audio from the onset on) by YIN; see the module doc for when it is unclear. */
export function estimateNotePitch(note: Float32Array, soundingSamples: number, options: Partial<NoteSlicerConfig> = {}): NotePitch {
  const c = { ...NOTE_SLICER_DEFAULTS, ...options };
  const end = Math.min(soundingSamples, PITCH_SKIP_SAMPLES + PITCH_SPAN_SAMPLES + 4096);
  const region = note.subarray(0, end);
  const starts: number[] = [];
  const levels: number[] = [];
  const win = PITCH_WINDOW_SAMPLES;
  for (let s = Math.min(PITCH_SKIP_SAMPLES, Math.floor(end / 4)); s + win / 2 <= end; s += PITCH_HOP_SAMPLES) {
    let e = 0;
    for (let i = s; i < Math.min(end, s + win); i++) e += region[i] * region[i];
    starts.push(s);
    levels.push(10 * Math.log10(e / win + 1e-20));
    if (s >= PITCH_SKIP_SAMPLES + PITCH_SPAN_SAMPLES) break;
  }
  const loudest = Math.max(...levels);
  const midis: number[] = [];
  let analysed = 0;
  for (let i = 0; i < starts.length; i++) {
    if (levels[i] < loudest - 30) continue;
    analysed++;
    const f0 = estimateF0Hz(region, RATE, { start: starts[i], windowSamples: PITCH_WINDOW_SAMPLES, minHz: YIN_MIN_HZ, maxHz: YIN_MAX_HZ });
    if (f0 > 0) midis.push(hzToMidi(f0));
  }
  if (analysed === 0 || midis.length === 0 || midis.length < c.minVoicedFraction * analysed) {
    return { ok: false, reason: `pitch unclear: ${midis.length} of ${analysed} frames periodic (noise, a drum or a chord?)` };
  }
  midis.sort((a, b) => a - b);
  const mid = midis[midis.length >> 1];
  const stable = midis.filter((m) => Math.abs(m - mid) <= 0.5).length;
  if (stable < c.minStableFraction * midis.length) {
    return { ok: false, reason: `pitch unclear: only ${stable} of ${midis.length} periodic frames within a semitone around MIDI ${mid.toFixed(1)} (a glide or octave jumps?)` };
  }
  const pitch = Math.round(mid);
  return { ok: true, pitch, f0Hz: midiToHz(mid), centsOff: Math.round(100 * (mid - pitch)) };
}

/** One note cut from a recording. */
export interface SlicedNote {
  /** Onset in the recording, seconds. */
  onsetSec: number;
  /** 64,000 samples at 16 kHz. */
  audio: Float32Array;
  pitch: NotePitch;
  /** Peak of the note, dBFS. */
  peakDbfs: number;
}

/** A note that was found but not kept. */
export interface DroppedNote {
  onsetSec: number;
  reason: string;
}

/**
 * Cuts 16 kHz mono audio into notes at its onsets and pitches each. Notes outside 24–84, too short or of unclear
 * pitch come back in `dropped` with the reason; `notes` are the kept ones.
 */
export function sliceNotes(x: Float32Array, options: Partial<NoteSlicerConfig> = {}): { notes: SlicedNote[]; dropped: DroppedNote[] } {
  const c = { ...NOTE_SLICER_DEFAULTS, ...options };
  let onsets = detectOnsets(x, c);
  const notes: SlicedNote[] = [];
  const dropped: DroppedNote[] = [];
  if (x.length <= c.singleNoteMaxSec * RATE && onsets.length > 1) {
    for (const o of onsets.slice(1)) {
      dropped.push({ onsetSec: Math.round((o / RATE) * 1000) / 1000, reason: `onset not cut: a file of at most ${c.singleNoteMaxSec} s is one note` });
    }
    onsets = [onsets[0]];
  }
  onsets.forEach((start, i) => {
    const onsetSec = Math.round((start / RATE) * 1000) / 1000;
    const end = Math.min(x.length, start + NOTE_LENGTH_SAMPLES, onsets[i + 1] ?? Infinity);
    const length = end - start;
    if (length < c.minNoteSec * RATE) {
      dropped.push({ onsetSec, reason: `too short: ${Math.round((length / RATE) * 1000)} ms before the ${i + 1 < onsets.length ? 'next onset' : "file's end"}` });
      return;
    }
    const audio = new Float32Array(NOTE_LENGTH_SAMPLES);
    audio.set(x.subarray(start, end));
    for (let k = 0; k < FADE_IN_SAMPLES && k < length; k++) audio[k] *= k / FADE_IN_SAMPLES;
    for (let k = 0; k < FADE_OUT_SAMPLES && k < length; k++) audio[length - 1 - k] *= k / FADE_OUT_SAMPLES;
    let peak = 0;
    for (let k = 0; k < length; k++) peak = Math.max(peak, Math.abs(audio[k]));
    const pitch = estimateNotePitch(audio, length, c);
    if (!pitch.ok) return dropped.push({ onsetSec, reason: pitch.reason });
    if (pitch.pitch < PITCH_MIN || pitch.pitch > PITCH_MAX) {
      return dropped.push({ onsetSec, reason: `pitch ${pitch.pitch} (${pitch.f0Hz.toFixed(1)} Hz) outside ${PITCH_MIN}–${PITCH_MAX}` });
    }
    notes.push({ onsetSec, audio, pitch, peakDbfs: Math.round(200 * Math.log10(peak + 1e-12)) / 10 });
  });
  return { notes, dropped };
}
