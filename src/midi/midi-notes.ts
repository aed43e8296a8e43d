/**
 * MIDI file → the note list GANSynth renders: tempo map, velocities, sustain pedal (CC64), track and channel
 * selection, drums skipped, pitches outside the model's range folded by octaves or dropped. Pure TS over
 * `@tonejs/midi`; runs in the browser and in Node.
 *
 * Compared with Magenta's `gansynth_generate.py` (`load_midi` → note_seq): the same note starts and ends, plus
 * CC64 sustain, selection, drum skipping and out-of-range handling, which Magenta leaves to the model (it has no
 * pitch outside 24–84 and crashes on one).
 */
import * as tonejsNs from '@tonejs/midi';
import { PITCH_MAX, PITCH_MIN } from '../shared/constants.ts';

type MidiClass = typeof tonejsNs.Midi;
/** `@tonejs/midi` is CommonJS: Node's ESM loader exposes it as `default`, bundlers as named exports. */
const Midi: MidiClass =
  (tonejsNs as unknown as { Midi?: MidiClass }).Midi ?? (tonejsNs as unknown as { default: { Midi: MidiClass } }).default.Midi;

/** One note to render, times in seconds from the start of the file (tempo map applied). */
export interface MidiNote {
  /** MIDI pitch rendered (after folding into the model's range). */
  readonly pitch: number;
  /** MIDI pitch in the file. */
  readonly sourcePitch: number;
  readonly startSec: number;
  /** End after the sustain pedal (≥ `keyUpSec`). */
  readonly endSec: number;
  /** When the key was released (note-off), before the pedal. */
  readonly keyUpSec: number;
  /** Note-on velocity in [0, 1] (MIDI velocity / 127). */
  readonly velocity: number;
  /** Index into `MidiNoteList.tracks`. */
  readonly track: number;
  /** MIDI channel, 1..16 (drums are 10). */
  readonly channel: number;
}

/** What the file holds per track (`@tonejs/midi` splits tracks so each has one channel and one program). */
export interface MidiTrackSummary {
  readonly index: number;
  readonly name: string;
  /** 1..16 */
  readonly channel: number;
  readonly program: number;
  readonly instrument: string;
  readonly noteCount: number;
}

/** Counts of what was changed or left out, so a caller can warn once with numbers. */
export interface MidiNoteWarnings {
  /** Notes moved by whole octaves into PITCH_MIN..PITCH_MAX (`outOfRange: 'fold'`). */
  folded: number;
  /** Notes left out because their pitch is outside the range (`outOfRange: 'drop'`). */
  droppedOutOfRange: number;
  /** Notes on channel 10 left out (`includeDrums: false`). */
  drumsSkipped: number;
  /** Notes of tracks / channels not selected. */
  notSelected: number;
  /** Notes of zero or negative length (left out). */
  zeroLength: number;
  /** Selected tracks without a single note. */
  emptySelectedTracks: number[];
  /** Notes that end after `maxDurationSec` (cut there). */
  cutAtMaxDuration: number;
  /** Note-on velocities above 127 (a corrupt data byte: @tonejs/midi does not mask it), clamped to 127. */
  velocityClamped: number;
  /** Human-readable lines, one per non-zero count. */
  messages: string[];
}

/** The parsed, selected note list. */
export interface MidiNoteList {
  /** Sorted by start time, then pitch. */
  readonly notes: MidiNote[];
  /** End of the last selected note (after pedal), seconds. */
  readonly durationSec: number;
  readonly tracks: MidiTrackSummary[];
  /** Tempo map: bpm from `timeSec`. */
  readonly tempos: { timeSec: number; bpm: number }[];
  readonly warnings: MidiNoteWarnings;
}

/** How to read a MIDI file. */
export interface MidiNoteOptions {
  /** Track indices (as in `MidiNoteList.tracks`) to render; undefined = all. */
  readonly tracks?: readonly number[] | undefined;
  /** MIDI channels 1..16 to render; undefined = all. */
  readonly channels?: readonly number[] | undefined;
  /** Render channel 10 too (GANSynth has no drum kit: off by default). */
  readonly includeDrums: boolean;
  /** Pitches outside PITCH_MIN..PITCH_MAX: move by octaves into range, or leave out. */
  readonly outOfRange: 'fold' | 'drop';
  /** Honour CC64: a note released while the pedal is down lasts until the pedal goes up. */
  readonly sustainPedal: boolean;
  /** A file longer than this is cut here (notes starting later are left out) and warned about. */
  readonly maxDurationSec: number;
  /** Tempos outside [minBpm, maxBpm] are an error: they are a corrupt file, not music. */
  readonly minBpm: number;
  readonly maxBpm: number;
}

/** Defaults of `parseMidiNotes`. */
export const MIDI_NOTE_DEFAULTS: Readonly<MidiNoteOptions> = Object.freeze({
  includeDrums: false,
  outOfRange: 'fold',
  sustainPedal: true,
  maxDurationSec: 900,
  minBpm: 4,
  maxBpm: 2000,
});

/** Drums live on MIDI channel 10 (General MIDI). */
export const DRUM_CHANNEL = 10;

/**
 * Checks the chunk structure: `@tonejs/midi` accepts a file cut in the middle of a track and silently returns
 * fewer notes, so a truncated download would render as a quietly shorter piece.
 */
export function checkMidiChunks(bytes: Uint8Array): void {
  const tag = (o: number) => String.fromCharCode(bytes[o]!, bytes[o + 1]!, bytes[o + 2]!, bytes[o + 3]!);
  const u32 = (o: number) => ((bytes[o]! << 24) | (bytes[o + 1]! << 16) | (bytes[o + 2]! << 8) | bytes[o + 3]!) >>> 0;
  if (bytes.length < 14 || tag(0) !== 'MThd') {
    throw new Error(`not a MIDI file: it does not start with an 'MThd' header (${bytes.length} bytes)`);
  }
  const headerLen = u32(4);
  const trackCount = (bytes[10]! << 8) | bytes[11]!;
  let o = 8 + headerLen;
  for (let i = 0; i < trackCount; i++) {
    if (o + 8 > bytes.length) {
      throw new Error(`truncated MIDI file: the header announces ${trackCount} tracks, the file ends after ${i}`);
    }
    if (tag(o) !== 'MTrk') throw new Error(`corrupt MIDI file: track ${i} chunk is '${tag(o)}', expected 'MTrk'`);
    const len = u32(o + 4);
    if (o + 8 + len > bytes.length) {
      throw new Error(
        `truncated MIDI file: track ${i} announces ${len} bytes, only ${bytes.length - o - 8} are there`,
      );
    }
    o += 8 + len;
  }
}

function validate(o: MidiNoteOptions): void {
  if (o.outOfRange !== 'fold' && o.outOfRange !== 'drop') throw new Error(`outOfRange must be 'fold' or 'drop', got '${o.outOfRange}'`);
  for (const c of o.channels ?? []) {
    if (!Number.isInteger(c) || c < 1 || c > 16) throw new Error(`channels are 1..16, got ${c}`);
  }
  for (const t of o.tracks ?? []) if (!Number.isInteger(t) || t < 0) throw new Error(`track indices are integers ≥ 0, got ${t}`);
  if (!(o.maxDurationSec > 0)) throw new Error(`maxDurationSec must be > 0, got ${o.maxDurationSec}`);
}

/** Folds a pitch by octaves into PITCH_MIN..PITCH_MAX. */
export function foldPitch(pitch: number): number {
  let p = pitch;
  while (p < PITCH_MIN) p += 12;
  while (p > PITCH_MAX) p -= 12;
  return p;
}

/** Pedal-down intervals [downSec, upSec) of one channel, from its CC64 events (value ≥ 64 = down). */
function pedalIntervals(events: { timeSec: number; down: boolean }[], endSec: number): [number, number][] {
  events.sort((a, b) => a.timeSec - b.timeSec);
  const out: [number, number][] = [];
  let downAt = -1;
  for (const e of events) {
    if (e.down && downAt < 0) downAt = e.timeSec;
    else if (!e.down && downAt >= 0) {
      out.push([downAt, e.timeSec]);
      downAt = -1;
    }
  }
  if (downAt >= 0) out.push([downAt, Math.max(endSec, downAt)]);
  return out;
}

/**
 * Parses a Standard MIDI File into the notes to render. Throws a clear `Error` for a corrupt or truncated file,
 * absurd tempos, an unknown selected track, or no notes left to render (saying why: drums, selection, range).
 */
export function parseMidiNotes(bytes: Uint8Array, options: Partial<MidiNoteOptions> = {}): MidiNoteList {
  const o: MidiNoteOptions = { ...MIDI_NOTE_DEFAULTS, ...options };
  validate(o);
  checkMidiChunks(bytes);
  let midi: InstanceType<MidiClass>;
  try {
    midi = new Midi(bytes);
  } catch (e) {
    throw new Error(`corrupt MIDI file: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!(midi.header.ppq > 0)) {
    throw new Error('unsupported MIDI file: SMPTE time division (frames per second) or 0 ticks per quarter note; only PPQ timing is read');
  }
  // MIDI's tempo is 120 bpm until the first tempo event; @tonejs/midi instead times the stretch before a late first
  // tempo event at that event's tempo (while timing notes before it at 120), so pin 120 bpm at tick 0.
  if (midi.header.tempos.length > 0 && midi.header.tempos[0]!.ticks > 0) {
    midi.header.tempos.unshift({ bpm: 120, ticks: 0 });
    midi.header.update();
  }
  for (const t of midi.header.tempos) {
    if (!Number.isFinite(t.bpm) || t.bpm < o.minBpm || t.bpm > o.maxBpm) {
      throw new Error(`absurd tempo ${t.bpm} bpm at tick ${t.ticks} (allowed ${o.minBpm}..${o.maxBpm}): corrupt file?`);
    }
  }
  const tracks: MidiTrackSummary[] = midi.tracks.map((t, index) => ({
    index,
    name: t.name,
    channel: t.channel + 1,
    program: t.instrument.number,
    instrument: t.instrument.name,
    noteCount: t.notes.length,
  }));
  for (const t of o.tracks ?? []) {
    if (t >= tracks.length) throw new Error(`track ${t} does not exist: the file has ${tracks.length} tracks (0..${tracks.length - 1})`);
  }
  const w: MidiNoteWarnings = {
    folded: 0, droppedOutOfRange: 0, drumsSkipped: 0, notSelected: 0, zeroLength: 0,
    emptySelectedTracks: [], cutAtMaxDuration: 0, velocityClamped: 0, messages: [],
  };
  const fileEndSec = Math.max(0, ...midi.tracks.map((t) => t.duration));
  // CC64 is a channel message: collect it per channel across tracks (a program change splits a channel's events
  // over several tonejs tracks).
  const pedalEvents = new Map<number, { timeSec: number; down: boolean }[]>();
  for (const t of midi.tracks) {
    for (const cc of t.controlChanges[64] ?? []) {
      const list = pedalEvents.get(t.channel) ?? [];
      list.push({ timeSec: cc.time, down: cc.value >= 64 / 127 });
      pedalEvents.set(t.channel, list);
    }
  }
  const pedals = new Map<number, [number, number][]>();
  for (const [ch, ev] of pedalEvents) pedals.set(ch, pedalIntervals(ev, fileEndSec));

  const raw: { pitch: number; sourcePitch: number; startSec: number; keyUpSec: number; velocity: number; track: number; channel: number }[] = [];
  midi.tracks.forEach((t, ti) => {
    const channel = t.channel + 1;
    const selected = (o.tracks === undefined || o.tracks.includes(ti)) && (o.channels === undefined || o.channels.includes(channel));
    if (!selected) {
      w.notSelected += t.notes.length;
      return;
    }
    if (t.notes.length === 0 && o.tracks !== undefined) w.emptySelectedTracks.push(ti);
    if (channel === DRUM_CHANNEL && !o.includeDrums) {
      w.drumsSkipped += t.notes.length;
      return;
    }
    for (const n of t.notes) {
      if (!Number.isFinite(n.time) || !Number.isFinite(n.duration)) throw new Error(`track ${ti}: a note has no finite time (corrupt tempo map?)`);
      if (n.time < 0) {
        throw new Error(`corrupt MIDI file: track ${ti} has a note at ${n.time.toFixed(3)} s, before the start (a delta time beyond MIDI's 4-byte limit?)`);
      }
      if (!(n.duration > 0)) {
        w.zeroLength++;
        continue;
      }
      let pitch = n.midi;
      if (pitch < PITCH_MIN || pitch > PITCH_MAX) {
        if (o.outOfRange === 'drop') {
          w.droppedOutOfRange++;
          continue;
        }
        pitch = foldPitch(pitch);
        w.folded++;
      }
      let velocity = n.velocity;
      if (velocity > 1) {
        velocity = 1;
        w.velocityClamped++;
      }
      raw.push({ pitch, sourcePitch: n.midi, startSec: n.time, keyUpSec: n.time + n.duration, velocity, track: ti, channel });
    }
  });
  raw.sort((a, b) => a.startSec - b.startSec || a.pitch - b.pitch);

  // Sustain: a key released under the pedal sounds until the pedal goes up, or until the same pitch is struck
  // again on the same channel (as note_seq's apply_sustain_control_changes does).
  const notes: MidiNote[] = [];
  for (let i = 0; i < raw.length; i++) {
    const r = raw[i]!;
    let endSec = r.keyUpSec;
    const iv = o.sustainPedal ? pedals.get(r.channel - 1)?.find(([d, u]) => r.keyUpSec >= d && r.keyUpSec < u) : undefined;
    if (iv) {
      endSec = iv[1];
      for (let j = i + 1; j < raw.length && raw[j]!.startSec < endSec; j++) {
        const q = raw[j]!;
        if (q.channel === r.channel && q.sourcePitch === r.sourcePitch && q.startSec >= r.keyUpSec) {
          endSec = q.startSec;
          break;
        }
      }
    }
    if (r.startSec >= o.maxDurationSec) {
      w.cutAtMaxDuration++;
      continue;
    }
    if (endSec > o.maxDurationSec) {
      w.cutAtMaxDuration++;
      endSec = o.maxDurationSec;
    }
    notes.push({ ...r, keyUpSec: Math.min(r.keyUpSec, endSec), endSec });
  }
  const tempos = midi.header.tempos.map((t) => ({ timeSec: t.time ?? 0, bpm: t.bpm }));
  if (w.folded) w.messages.push(`${w.folded} notes outside MIDI ${PITCH_MIN}–${PITCH_MAX} folded by octaves into range`);
  if (w.droppedOutOfRange) w.messages.push(`${w.droppedOutOfRange} notes outside MIDI ${PITCH_MIN}–${PITCH_MAX} dropped`);
  if (w.drumsSkipped) w.messages.push(`${w.drumsSkipped} drum notes (channel 10) skipped; include them with includeDrums`);
  if (w.zeroLength) w.messages.push(`${w.zeroLength} notes of zero length left out`);
  if (w.emptySelectedTracks.length) w.messages.push(`selected tracks without notes: ${w.emptySelectedTracks.join(', ')}`);
  if (w.velocityClamped) w.messages.push(`${w.velocityClamped} note velocities above 127 (corrupt data bytes?) clamped to 127`);
  if (w.cutAtMaxDuration) w.messages.push(`${w.cutAtMaxDuration} notes cut at the ${o.maxDurationSec} s limit`);
  if (notes.length === 0) {
    const why = [
      `no notes to render (${tracks.length} tracks, ${tracks.reduce((s, t) => s + t.noteCount, 0)} notes in the file)`,
      ...w.messages,
      w.notSelected ? `${w.notSelected} notes in tracks/channels not selected` : '',
    ].filter(Boolean);
    throw new Error(why.join('; '));
  }
  const durationSec = notes.reduce((m, n) => Math.max(m, n.endSec), 0);
  return { notes, durationSec, tracks, tempos, warnings: w };
}
