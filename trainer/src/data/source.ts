/**
 * One way to list the notes of a dataset, whatever its layout: an NSynth json+wav split directory, a directory
 * holding `nsynth-<split>/` (NSynth's download, or our `dataset` command's output), a TFRecord file, or NSynth as
 * TensorFlow Datasets prepares it (tfds-nsynth.ts: the data root, `nsynth/<config>` or its version directory).
 * Audio loads lazily per note, so a 70 GB TFRecord only costs one scan.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { decodeExample } from './example-proto.ts';
import type { DatasetListing, ListOptions, NoteRef } from './listing.ts';
import { nsynthNoteFromExample } from './nsynth.ts';
import { EXAMPLES_JSON, loadNsynthAudio, nsynthWavPath, readNsynthIndex } from './nsynth-json.ts';
import { findTfdsNsynthDir, listTfdsNsynthNotes } from './tfds-nsynth.ts';
import { scanTfRecordNotes, type RecordDecoder } from './tfrecord-notes.ts';

/** Record decoding of NSynth's own TFRecords (nsynth.ts: examples.json's field names as features). */
const NSYNTH_DECODER: RecordDecoder = Object.freeze({
  meta: (record: Uint8Array) => nsynthNoteFromExample(decodeExample(record)).meta,
  audio: (record: Uint8Array) => nsynthNoteFromExample(decodeExample(record)).audio,
});

/** Lists the notes of a dataset at `path` (see the module doc for the layouts). */
export function listDatasetNotes(path: string, options: ListOptions = {}): DatasetListing {
  const filter = options.filter ?? (() => true);
  if (!existsSync(path)) throw new Error(`dataset '${path}' does not exist`);
  const hash = createHash('sha256');
  if (statSync(path).isFile()) {
    const st = statSync(path);
    hash.update(`tfrecord\0${path}\0${st.size}\0${st.mtimeMs}\0`);
    const { notes } = scanTfRecordNotes(path, NSYNTH_DECODER, filter, hash, options.tfrecord);
    return { notes, fingerprint: hash.digest('hex'), location: path };
  }
  let dir = path;
  if (!existsSync(join(dir, EXAMPLES_JSON))) {
    const tfds = findTfdsNsynthDir(path);
    if (tfds) return listTfdsNsynthNotes(tfds, options);
    const split = options.split ?? 'train';
    dir = join(path, `nsynth-${split}`);
    if (!existsSync(join(dir, EXAMPLES_JSON))) {
      throw new Error(`'${path}' has neither ${EXAMPLES_JSON} nor nsynth-${split}/${EXAMPLES_JSON}, and is not a TFDS-prepared nsynth (no dataset_info.json, nsynth/<config>/<version>/)`);
    }
  }
  hash.update(readFileSync(join(dir, EXAMPLES_JSON)));
  const notes: NoteRef[] = [];
  for (const meta of readNsynthIndex(dir)) {
    if (!filter(meta)) continue;
    const wav = nsynthWavPath(dir, meta.note_str);
    const st = existsSync(wav) ? statSync(wav) : undefined;
    if (!st) throw new Error(`${dir}: examples.json lists '${meta.note_str}' but ${wav} is missing`);
    hash.update(`${meta.note_str}\0${st.size}\0${st.mtimeMs}\0`);
    notes.push({ meta, source: wav, load: () => loadNsynthAudio(dir, meta) });
  }
  return { notes, fingerprint: hash.digest('hex'), location: dir };
}
