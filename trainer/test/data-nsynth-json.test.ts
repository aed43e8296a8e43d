/** NSynth json+wav reader and dataset listing: layouts, filter, and the errors a broken download produces. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeWav } from 'gansynth-web/shared/wav';
import { readNsynthIndex, readNsynthJsonDir } from '../src/data/nsynth-json.ts';
import { makeNoteFilter } from '../src/data/nsynth-filter.ts';
import { listDatasetNotes } from '../src/data/source.ts';
import { writeTfRecords } from '../src/data/tfrecord.ts';
import { encodeExample, type ExampleFeatures } from '../src/data/example-proto.ts';

const DIR = join('.test-out', 'nsynth-json');

function meta(note_str: string, pitch: number, source: number, rate = 16000): Record<string, unknown> {
  return { note_str, pitch, velocity: 100, sample_rate: rate, instrument: 1, instrument_str: note_str.split('-')[0], instrument_family: 3, instrument_family_str: 'guitar', instrument_source: source, instrument_source_str: ['acoustic', 'electronic', 'synthetic'][source], qualities: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0], qualities_str: [] };
}

test('json+wav: index sorted by note_str, filter, audio, and clear errors', () => {
  const split = join(DIR, 'ds', 'nsynth-train');
  rmSync(join(DIR, 'ds'), { recursive: true, force: true });
  mkdirSync(join(split, 'audio'), { recursive: true });
  const notes = { 'guitar_acoustic_001-070-100': meta('guitar_acoustic_001-070-100', 70, 0), 'guitar_acoustic_001-020-100': meta('guitar_acoustic_001-020-100', 20, 0), 'guitar_electronic_002-060-100': meta('guitar_electronic_002-060-100', 60, 1) };
  writeFileSync(join(split, 'examples.json'), JSON.stringify(notes));
  for (const [k, m] of Object.entries(notes)) writeFileSync(join(split, 'audio', `${k}.wav`), encodeWav([Float32Array.from({ length: 160 }, (_, i) => Math.sin(i * (m.pitch as number) / 100) * 0.5)], 16000));
  assert.deepEqual(readNsynthIndex(split).map((m) => m.pitch), [20, 70, 60]);
  const kept = [...readNsynthJsonDir(split, makeNoteFilter())];
  assert.deepEqual(kept.map((n) => n.meta.note_str), ['guitar_acoustic_001-070-100']);
  assert.ok(Math.abs(kept[0].audio[10] - Math.sin(10 * 70 / 100) * 0.5) < 1e-4);
  const listing = listDatasetNotes(join(DIR, 'ds'), { filter: makeNoteFilter() });
  assert.equal(listing.location, split);
  assert.equal(listing.notes.length, 1);
  assert.throws(() => listDatasetNotes(join(DIR, 'ds'), { split: 'valid' }), /nsynth-valid\/examples.json/);
  assert.throws(() => listDatasetNotes(join(DIR, 'nope')), /does not exist/);

  writeFileSync(join(split, 'examples.json'), JSON.stringify({ ...notes, 'guitar_acoustic_003-050-100': meta('guitar_acoustic_003-050-100', 50, 0) }));
  assert.throws(() => listDatasetNotes(split), /lists 'guitar_acoustic_003-050-100' but .* is missing/);
  writeFileSync(join(split, 'examples.json'), JSON.stringify({ 'guitar_acoustic_001-070-100': meta('guitar_acoustic_001-070-100', 70, 0, 22050) }));
  assert.throws(() => [...readNsynthJsonDir(split)], /sample rate 16000 Hz, examples.json says 22050/);
  writeFileSync(join(split, 'examples.json'), JSON.stringify({ x: { ...meta('x', 60, 0), pitch: 'sixty' } }));
  assert.throws(() => readNsynthIndex(split), /'pitch' must be an integer/);
  writeFileSync(join(split, 'examples.json'), '{ not json');
  assert.throws(() => readNsynthIndex(split), /not valid JSON/);
});

test('dataset listing from a TFRecord: lazy loads by offset, filtered', () => {
  mkdirSync(DIR, { recursive: true });
  const enc = new TextEncoder();
  const example = (pitch: number, source: number): Uint8Array => {
    const f: ExampleFeatures = new Map();
    f.set('note_str', { kind: 'bytes', value: [enc.encode(`n-${pitch}-${source}`)] });
    f.set('pitch', { kind: 'int64', value: [pitch] });
    f.set('instrument_source', { kind: 'int64', value: [source] });
    f.set('instrument_family', { kind: 'int64', value: [0] });
    f.set('velocity', { kind: 'int64', value: [100] });
    f.set('audio', { kind: 'float', value: Float32Array.from([pitch / 100, source, -1]) });
    return encodeExample(f);
  };
  const path = join(DIR, 'x.tfrecord');
  writeTfRecords(path, [example(30, 0), example(50, 1), example(90, 0), example(84, 0)]);
  const listing = listDatasetNotes(path, { filter: makeNoteFilter() });
  assert.deepEqual(listing.notes.map((n) => n.meta.pitch), [30, 84]);
  assert.deepEqual([...listing.notes[1].load()], [Math.fround(0.84), 0, -1]);
  assert.equal(listing.fingerprint, listDatasetNotes(path, { filter: makeNoteFilter() }).fingerprint);
});
