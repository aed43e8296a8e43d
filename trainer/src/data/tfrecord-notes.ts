/**
 * The notes of one TFRecord file (NSynth's own records, or one shard of a TFDS-prepared NSynth): one streamed scan
 * reads each record's metadata and keeps its byte offset; a note's audio is read again from there when the feature
 * cache asks for it, so a 70 GB file costs one pass and one record in memory at a time.
 */
import type { Hash } from 'node:crypto';
import type { NoteRef } from './listing.ts';
import type { NsynthMeta } from './nsynth.ts';
import { readTfRecordAt, readTfRecords, type TfRecordReadOptions } from './tfrecord.ts';

/** How a layout turns a record's bytes into a note; both throw naming the feature when a record does not fit. */
export interface RecordDecoder {
  /** The note's metadata (without copying the audio out). */
  meta(record: Uint8Array): NsynthMeta;
  audio(record: Uint8Array): Float32Array;
}

/** What a scan found. */
export interface TfRecordScan {
  /** Notes that passed the filter, in file order. */
  notes: NoteRef[];
  /** Records framed in the file, counting those skipped for a bad data CRC. */
  records: number;
  /** True when a bad length CRC or a truncated tail stopped the scan early (then `records` is a lower bound). */
  framingLost: boolean;
}

/** Default corrupt-record handling of dataset listings: skip the record and warn, naming file and byte offset. */
function defaultReadOptions(path: string): TfRecordReadOptions {
  return { corrupt: 'skip', onCorrupt: (c) => console.warn(`${path}: skipping corrupt record at byte ${c.offsetBytes}: ${c.message}`) };
}

function withPlace<T>(path: string, offsetBytes: number, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new Error(`${path}: record at byte ${offsetBytes}: ${(e as Error).message}`);
  }
}

/**
 * Scans `path`, keeping the notes whose metadata passes `filter`; each kept note's name goes into `hash`.
 * @param options corrupt-record handling (default: skip with a warning per record).
 */
export function scanTfRecordNotes(path: string, decoder: RecordDecoder, filter: (m: NsynthMeta) => boolean, hash: Hash, options?: TfRecordReadOptions): TfRecordScan {
  const read = options ?? defaultReadOptions(path);
  let framingLost = false;
  let records = 0;
  const counted: TfRecordReadOptions = {
    ...read,
    onCorrupt: (c) => {
      if (c.problem === 'data-crc') records++;
      else framingLost = true;
      read.onCorrupt?.(c);
    },
  };
  const notes: NoteRef[] = [];
  for (const rec of readTfRecords(path, counted)) {
    records++;
    const offset = rec.offsetBytes;
    const meta = withPlace(path, offset, () => decoder.meta(rec.data));
    if (!filter(meta)) continue;
    hash.update(`${meta.note_str}\0`);
    notes.push({
      meta,
      source: `${path}@${offset}`,
      load: () => {
        const bytes = readTfRecordAt(path, offset); // its errors name the file and offset already
        return withPlace(path, offset, () => decoder.audio(bytes));
      },
    });
  }
  return { notes, records, framingLost };
}
