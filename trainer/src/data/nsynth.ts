/**
 * NSynth notes (Engel et al. 2017): metadata as in the dataset's examples.json, audio as 64,000 float samples at
 * 16 kHz. Read from TFRecords of tf.train.Example (see tfrecord.ts, example-proto.ts).
 */
import { decodeExample, type ExampleFeatures } from './example-proto.ts';
import { readTfRecords, type TfRecordReadOptions } from './tfrecord.ts';

/** NSynth's 11 instrument families, index = instrument_family. */
export const NSYNTH_FAMILIES = Object.freeze([
  'bass', 'brass', 'flute', 'guitar', 'keyboard', 'mallet', 'organ', 'reed', 'string', 'synth_lead', 'vocal',
] as const);
/** NSynth's instrument sources, index = instrument_source. */
export const NSYNTH_SOURCES = Object.freeze(['acoustic', 'electronic', 'synthetic'] as const);
/** NSynth's 10 note qualities, index into `qualities`. */
export const NSYNTH_QUALITIES = Object.freeze([
  'bright', 'dark', 'distortion', 'fast_decay', 'long_release', 'multiphonic', 'nonlinear_env', 'percussive',
  'reverb', 'tempo-synced',
] as const);

/** One note's metadata, in NSynth's examples.json field names. */
export interface NsynthMeta {
  note_str: string;
  note?: number;
  pitch: number;
  velocity: number;
  sample_rate: number;
  instrument: number;
  instrument_str: string;
  instrument_family: number;
  instrument_family_str: string;
  instrument_source: number;
  instrument_source_str: string;
  /** 10 flags (0/1), or empty when unknown (our SoundFont renders). */
  qualities: number[];
  qualities_str: string[];
}

/** A note with its audio. */
export interface NsynthNote {
  meta: NsynthMeta;
  audio: Float32Array;
}

function int(f: ExampleFeatures, key: string, fallback?: number): number {
  const v = f.get(key);
  if (v?.kind === 'int64' && v.value.length > 0) return v.value[0];
  if (fallback !== undefined) return fallback;
  throw new Error(`NSynth example has no int64 feature '${key}'`);
}
const utf8 = new TextDecoder();
function str(f: ExampleFeatures, key: string, fallback = ''): string {
  const v = f.get(key);
  return v?.kind === 'bytes' && v.value.length > 0 ? utf8.decode(v.value[0]) : fallback;
}

/** Maps a decoded Example with NSynth features to a note. `audio` and `pitch` are required. */
export function nsynthNoteFromExample(f: ExampleFeatures): NsynthNote {
  const audio = f.get('audio');
  if (audio?.kind !== 'float') throw new Error(`NSynth example has no float feature 'audio'`);
  const q = f.get('qualities');
  const qualities = q?.kind === 'int64' ? q.value : [];
  const family = int(f, 'instrument_family', -1);
  const source = int(f, 'instrument_source', -1);
  const meta: NsynthMeta = {
    note_str: str(f, 'note_str'),
    note: int(f, 'note', -1),
    pitch: int(f, 'pitch'),
    velocity: int(f, 'velocity', 0),
    sample_rate: int(f, 'sample_rate', 16000),
    instrument: int(f, 'instrument', -1),
    instrument_str: str(f, 'instrument_str'),
    instrument_family: family,
    instrument_family_str: str(f, 'instrument_family_str', NSYNTH_FAMILIES[family] ?? ''),
    instrument_source: source,
    instrument_source_str: str(f, 'instrument_source_str', NSYNTH_SOURCES[source] ?? ''),
    qualities,
    qualities_str: NSYNTH_QUALITIES.filter((_, i) => qualities[i] === 1),
  };
  return { meta, audio: audio.value };
}

/**
 * Streams NSynth notes from a TFRecord file. `filter` sees the metadata before the audio is copied out.
 * Corrupt records follow `options.corrupt` ('fatal' default, or 'skip' with `onCorrupt` reports).
 */
export function* readNsynthTfRecord(
  path: string | Uint8Array,
  filter: (m: NsynthMeta) => boolean = () => true,
  options: TfRecordReadOptions = {},
): Generator<NsynthNote & { offsetBytes: number }> {
  for (const rec of readTfRecords(path, options)) {
    let note: NsynthNote;
    try {
      note = nsynthNoteFromExample(decodeExample(rec.data));
    } catch (e) {
      throw new Error(`${typeof path === 'string' ? path : '<buffer>'}: record at byte ${rec.offsetBytes}: ${(e as Error).message}`);
    }
    if (filter(note.meta)) yield { ...note, audio: new Float32Array(note.audio), offsetBytes: rec.offsetBytes };
  }
}
