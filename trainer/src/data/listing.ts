/**
 * What listing a dataset yields, whatever its layout: the shapes source.ts's `listDatasetNotes` returns and each
 * layout's reader (tfrecord-notes.ts, tfds-nsynth.ts) builds. Types only, so the readers and the one entry point
 * that dispatches to them all import this module and none imports another back.
 */
import type { NsynthMeta } from './nsynth.ts';
import type { TfRecordReadOptions } from './tfrecord.ts';

/** A note whose audio loads on demand. */
export interface NoteRef {
  meta: NsynthMeta;
  /** Where the audio is, for messages: the WAV's path, or `TFRECORD@BYTE_OFFSET`. */
  source: string;
  /** The audio (first channel); throws naming `source` when it is unreadable or corrupt. */
  load(): Float32Array;
}

/** A listed dataset. */
export interface DatasetListing {
  notes: NoteRef[];
  /**
   * Identifies the data: sha256 over the index (examples.json bytes, the TFRecord's path, size and mtime, or TFDS's
   * dataset_info.json bytes and each shard's path, size and mtime), the kept note names, and each wav's size and
   * mtime. A re-render therefore invalidates caches even when its bytes happen to be equal; that errs on the safe side.
   */
  fingerprint: string;
  /** Where the notes were read from. */
  location: string;
}

/** Options of a listing (source.ts `listDatasetNotes`, tfds-nsynth.ts `listTfdsNsynthNotes`). */
export interface ListOptions {
  /** Which split when `path` holds `nsynth-<split>/` directories or is TFDS-prepared. Default 'train'. */
  split?: string;
  filter?: (m: NsynthMeta) => boolean;
  /** TFRecord corrupt-record handling (default 'skip', with a warning per record). */
  tfrecord?: TfRecordReadOptions;
}
