/**
 * NSynth's json+wav layout: `DIR/examples.json` ({note_str: meta, ...}) and `DIR/audio/<note_str>.wav`
 * (16-bit PCM mono, 16 kHz). Our SoundFont datasets are written in the same layout (soundfont-dataset.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeWav } from 'gansynth-web/shared/wav';
import type { NsynthMeta, NsynthNote } from './nsynth.ts';

/** File name of the metadata index in a split directory. */
export const EXAMPLES_JSON = 'examples.json';

function requireInt(meta: Record<string, unknown>, key: string, where: string): number {
  const v = meta[key];
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new Error(`${where}: '${key}' must be an integer, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * Reads `DIR/examples.json` and validates each entry's required fields. Entries come back sorted by note_str so
 * iteration order does not depend on JSON key order.
 */
export function readNsynthIndex(dir: string): NsynthMeta[] {
  const path = join(dir, EXAMPLES_JSON);
  if (!existsSync(path)) throw new Error(`no ${EXAMPLES_JSON} in '${dir}' (expected NSynth's json+wav layout)`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: not valid JSON: ${(e as Error).message}`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${path}: expected an object keyed by note_str`);
  const out: NsynthMeta[] = [];
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const where = `${path} [${key}]`;
    if (!value || typeof value !== 'object') throw new Error(`${where}: entry is not an object`);
    const m = value as Record<string, unknown>;
    for (const k of ['pitch', 'velocity', 'instrument_family', 'instrument_source']) requireInt(m, k, where);
    out.push({
      note_str: typeof m.note_str === 'string' ? m.note_str : key,
      note: typeof m.note === 'number' ? m.note : undefined,
      pitch: m.pitch as number,
      velocity: m.velocity as number,
      sample_rate: typeof m.sample_rate === 'number' ? m.sample_rate : 16000,
      instrument: typeof m.instrument === 'number' ? m.instrument : -1,
      instrument_str: String(m.instrument_str ?? ''),
      instrument_family: m.instrument_family as number,
      instrument_family_str: String(m.instrument_family_str ?? ''),
      instrument_source: m.instrument_source as number,
      instrument_source_str: String(m.instrument_source_str ?? ''),
      qualities: Array.isArray(m.qualities) ? (m.qualities as number[]) : [],
      qualities_str: Array.isArray(m.qualities_str) ? (m.qualities_str as string[]) : [],
    });
  }
  out.sort((a, b) => (a.note_str < b.note_str ? -1 : a.note_str > b.note_str ? 1 : 0));
  return out;
}

/** Path of a note's wav in a json+wav split directory. */
export function nsynthWavPath(dir: string, noteStr: string): string {
  return join(dir, 'audio', `${noteStr}.wav`);
}

/**
 * Loads one note's audio (first channel) and checks its sample rate against the metadata.
 * @throws naming the file when the wav is missing, unreadable, corrupt (no RIFF/WAVE header, an unsupported
 * format) or at another rate.
 */
export function loadNsynthAudio(dir: string, meta: NsynthMeta): Float32Array {
  const path = nsynthWavPath(dir, meta.note_str);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`cannot read audio for '${meta.note_str}': ${(e as Error).message}`);
  }
  let wav: ReturnType<typeof decodeWav>;
  try {
    wav = decodeWav(bytes);
  } catch (e) {
    throw new Error(`${path}: corrupt WAV (${(e as Error).message.replace(/^decodeWav: /, '')})`);
  }
  if (wav.sampleRateHz !== meta.sample_rate) {
    throw new Error(`${path}: sample rate ${wav.sampleRateHz} Hz, examples.json says ${meta.sample_rate}`);
  }
  return wav.channels[0];
}

/** Streams the notes of a json+wav split directory that pass `filter` (metadata checked before audio loads). */
export function* readNsynthJsonDir(dir: string, filter: (m: NsynthMeta) => boolean = () => true): Generator<NsynthNote> {
  for (const meta of readNsynthIndex(dir)) {
    if (filter(meta)) yield { meta, audio: loadNsynthAudio(dir, meta) };
  }
}
