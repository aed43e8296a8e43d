/**
 * NSynth as TensorFlow Datasets prepares it (issue 17): a fixture in TFDS's exact layout (tfds-fixture.ts: several
 * shards, dataset_info.json with split shard lengths, features.json) is found from the data root, the config
 * directory or the version directory, listed per split, filtered to GANSynth's subset, cached and trained on for a
 * step with the `train` command; a missing shard, a shard length that disagrees with dataset_info.json and a spec of
 * an unknown version are errors naming the file.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { useNodeBackend } from 'gansynth-web/node/backends';
import { TINY_CONFIG, pitchCount } from 'gansynth-web/shared/model-config';
import { main as trainMain } from '../src/commands/train.ts';
import { decodeExample, encodeExample } from '../src/data/example-proto.ts';
import { makeNoteFilter } from '../src/data/nsynth-filter.ts';
import { prepareTrainingData } from '../src/data/pipeline.ts';
import { listDatasetNotes } from '../src/data/source.ts';
import { writeTfRecords } from '../src/data/tfrecord.ts';
import { readMetrics } from '../src/train/metrics-log.ts';
import { fixtureNote, protoSpec, tfdsExample, writeTfdsNsynth, type FixtureNote } from './tfds-fixture.ts';

const root = mkdtempSync(join(tmpdir(), 'gansynth-tfds-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** Kept by GANSynth's subset (acoustic, 24–84), spread over three train shards among notes it drops. */
const KEPT = [fixtureNote('keyboard', 'acoustic', 4, 60), fixtureNote('string', 'acoustic', 14, 62, 127, [1, 0, 0, 0, 0, 0, 0, 0, 1, 0]), fixtureNote('brass', 'acoustic', 16, 24, 50), fixtureNote('reed', 'acoustic', 23, 84, 75)];
const TRAIN: FixtureNote[][] = [
  [KEPT[0]!, fixtureNote('keyboard', 'acoustic', 4, 23)],
  [fixtureNote('guitar', 'electronic', 12, 61, 75), KEPT[1]!],
  [fixtureNote('flute', 'synthetic', 0, 63, 50), fixtureNote('brass', 'acoustic', 16, 85), KEPT[2]!, KEPT[3]!],
];
const SPLITS = { train: TRAIN, valid: [[fixtureNote('mallet', 'acoustic', 5, 40)]], test: [[fixtureNote('vocal', 'acoustic', 2, 70)], [fixtureNote('organ', 'electronic', 3, 70)]] };
const ids = (notes: { meta: { note_str: string } }[]) => notes.map((n) => n.meta.note_str);

/** A fresh fixture root (each test damages its own copy). */
function fixture(name: string, o: Partial<Parameters<typeof writeTfdsNsynth>[0]> = {}): { root: string; versionDir: string } {
  const r = join(root, name);
  return { root: r, versionDir: writeTfdsNsynth({ root: r, splits: SPLITS, ...o }) };
}

test('found from the data root, the config dir or the version dir (newest version); split by name; GANSynth filter; TFDS features mapped', () => {
  const { root: r, versionDir } = fixture('layout');
  writeTfdsNsynth({ root: r, version: '2.3.2', splits: { train: [[KEPT[0]!]], valid: [[KEPT[1]!]], test: [[KEPT[2]!]] } });
  const filter = makeNoteFilter();
  for (const at of [r, join(r, 'nsynth'), join(r, 'nsynth', 'gansynth_subset'), versionDir]) {
    const l = listDatasetNotes(at, { filter });
    assert.equal(l.location, versionDir, `from ${at}`);
    assert.deepEqual(ids(l.notes), KEPT.map((n) => n.id));
  }
  assert.deepEqual(ids(listDatasetNotes(join(r, 'nsynth', 'gansynth_subset', '2.3.2'), { filter }).notes), [KEPT[0]!.id], 'an older version when named');
  assert.equal(listDatasetNotes(r).notes.length, 8, 'unfiltered: every train record');
  assert.deepEqual(ids(listDatasetNotes(r, { split: 'valid' }).notes), ['mallet_acoustic_005-040-100']);
  assert.deepEqual(ids(listDatasetNotes(r, { split: 'test', filter }).notes), ['vocal_acoustic_002-070-100']);
  assert.throws(() => listDatasetNotes(r, { split: 'validation' }), (e: Error) => e.message === `${join(versionDir, 'dataset_info.json')}: no split 'validation' (splits: train, valid, test)`);

  const strings = listDatasetNotes(r, { filter }).notes[1]!;
  assert.deepEqual(strings.meta, {
    note_str: 'string_acoustic_014-062-127', pitch: 62, velocity: 127, sample_rate: 16000, instrument: 14, instrument_str: 'string_acoustic_014',
    instrument_family: 8, instrument_family_str: 'string', instrument_source: 0, instrument_source_str: 'acoustic',
    qualities: [1, 0, 0, 0, 0, 0, 0, 0, 1, 0], qualities_str: ['bright', 'reverb'],
  });
  assert.match(strings.source, /nsynth-train\.tfrecord-00001-of-00003@\d+$/);
  assert.deepEqual(strings.load(), KEPT[1]!.audio, 'audio read back from the shard by offset, bit for bit');
});

test('every config and spec form TFDS writes: full, f0_and_loudness, 2.3.1 Tensor audio, the {type, content} form, a 2020 TFDS without features.json', () => {
  const filter = makeNoteFilter();
  const cases: [string, Partial<Parameters<typeof writeTfdsNsynth>[0]>][] = [
    ['full', { config: 'full' }],
    ['f0', { config: 'gansynth_subset.f0_and_loudness' }],
    ['v231', { version: '2.3.1' }],
    ['legacy', { featuresJson: 'legacy' }],
    ['legacy-f0-v230', { featuresJson: 'legacy', config: 'gansynth_subset.f0_and_loudness', version: '2.3.0' }],
    ['tfds2020', { featuresJson: 'none', modernInfo: false }],
  ];
  for (const [name, o] of cases) {
    const { root: r } = fixture(name, o);
    assert.deepEqual(ids(listDatasetNotes(r, { filter }).notes), KEPT.map((n) => n.id), name);
  }
  // Two configs under one root: which one is meant is not guessed.
  const both = join(root, 'two-configs');
  writeTfdsNsynth({ root: both, splits: SPLITS });
  writeTfdsNsynth({ root: both, config: 'full', splits: SPLITS });
  assert.throws(() => listDatasetNotes(both), (e: Error) => e.message === `${join(both, 'nsynth')} holds several TFDS configs (full, gansynth_subset): pass one, e.g. --data ${join(both, 'nsynth', 'gansynth_subset')}`);
});

test('a missing shard, a shard length that disagrees with dataset_info.json, an unknown version or spec: errors naming the file', () => {
  const info = (dir: string) => join(dir, 'dataset_info.json');
  const edit = (path: string, fn: (j: Record<string, unknown>) => void) => {
    const j = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    fn(j);
    writeFileSync(path, JSON.stringify(j, null, 2));
  };

  const missing = fixture('missing').versionDir;
  rmSync(join(missing, 'nsynth-train.tfrecord-00001-of-00003'));
  assert.throws(() => listDatasetNotes(missing), (e: Error) =>
    e.message === `${join(missing, 'nsynth-train.tfrecord-00001-of-00003')}: shard 2 of 3 of split 'train' is missing (${info(missing)} lists 3 shards)`);

  const length = fixture('length').versionDir;
  edit(info(length), (j) => ((j.splits as { shardLengths: string[] }[])[0]!.shardLengths = ['2', '2', '5']));
  assert.throws(() => listDatasetNotes(length), (e: Error) =>
    e.message.startsWith(`${join(length, 'nsynth-train.tfrecord-00002-of-00003')}: 4 records, but ${info(length)} says 5`));

  const version = fixture('version').versionDir;
  edit(info(version), (j) => (j.version = '2.4.0'));
  assert.throws(() => listDatasetNotes(version), (e: Error) => e.message.startsWith(`${info(version)}: nsynth version 2.4.0 is not one this reader knows (2.3.0, 2.3.1, 2.3.2, 2.3.3`));

  // A spec of a version we do not know: audio stored as encoded WAV bytes, or as int16 samples.
  const spec = fixture('spec').versionDir;
  const features = join(spec, 'features.json');
  edit(features, (j) => Object.assign((j.featuresDict as { features: Record<string, { audio: Record<string, unknown> }> }).features.audio!.audio, { fileFormat: 'wav', lazyDecode: true }));
  assert.throws(() => listDatasetNotes(spec), (e: Error) =>
    e.message === `${features}: feature 'audio' is encoded bytes (Audio(dtype float32, file format wav)), but TFDS nsynth/gansynth_subset 2.3.3 stores float list [64000]: not a feature spec this reader knows`);
  edit(features, (j) => Object.assign((j.featuresDict as { features: Record<string, { audio: Record<string, unknown> }> }).features.audio!.audio, { fileFormat: undefined, lazyDecode: undefined, dtype: 'int16' }));
  assert.throws(() => listDatasetNotes(spec), /features\.json: feature 'audio' is int64 \[64000\], but TFDS nsynth\/gansynth_subset 2\.3\.3 stores float list \[64000\]/);
  edit(features, (j) => ((j.featuresDict as { features: Record<string, unknown> }).features.pitch_hz = { pythonClassName: 'tensorflow_datasets.core.features.tensor_feature.Tensor', tensor: { shape: {}, dtype: 'float32' } }));
  assert.throws(() => listDatasetNotes(spec), /features\.json: feature 'audio'/, 'first mismatch reported first');

  // The spec in dataset_info.json itself: its `features` (TFDS ≥ 4's proto form) and a tensorflow_metadata `schema`.
  const inInfo = fixture('info-spec', { featuresJson: 'none' }).versionDir;
  edit(info(inInfo), (j) => (j.features = protoSpec('gansynth_subset', '2.3.3')));
  assert.equal(listDatasetNotes(inInfo).notes.length, 8);
  edit(info(inInfo), (j) => ((j.features as { featuresDict: { features: Record<string, unknown> } }).featuresDict.features.velocity = { pythonClassName: 'tensorflow_datasets.core.features.class_label_feature.ClassLabel', classLabel: { numClasses: '5' } }));
  assert.throws(() => listDatasetNotes(inInfo), (e: Error) => e.message === `${info(inInfo)}: feature 'velocity' is int64 (ClassLabel of 5), but TFDS nsynth/gansynth_subset 2.3.3 stores int64 (ClassLabel of 128): not a feature spec this reader knows`);
  edit(info(inInfo), (j) => {
    delete j.features;
    j.schema = { feature: [{ name: 'audio', type: 'FLOAT', shape: { dim: [{ size: '64000' }] } }, { name: 'pitch', type: 'INT' }, { name: 'id', type: 'BYTES' }] };
  });
  assert.equal(listDatasetNotes(inInfo).notes.length, 8);
  edit(info(inInfo), (j) => ((j.schema as { feature: { type: string }[] }).feature[1]!.type = 'FLOAT'));
  assert.throws(() => listDatasetNotes(inInfo), (e: Error) => e.message === `${info(inInfo)}: schema feature 'pitch' has type FLOAT, but TFDS nsynth/gansynth_subset 2.3.3 stores int64 (ClassLabel of 128)`);

  const other = fixture('mnist').versionDir;
  edit(info(other), (j) => (j.name = 'mnist'));
  assert.throws(() => listDatasetNotes(other), (e: Error) => e.message === `${info(other)}: TFDS dataset 'mnist', not 'nsynth'`);
});

test('records are checked as they are read (naming shard, byte and feature); a corrupt record is skipped and still counted', () => {
  const versionDir = writeTfdsNsynth({ root: join(root, 'records'), featuresJson: 'none', splits: { train: [[KEPT[0]!, KEPT[1]!]], valid: [[KEPT[2]!]], test: [[KEPT[3]!]] } });
  const shard = join(versionDir, 'nsynth-train.tfrecord-00000-of-00001');
  const good = tfdsExample(KEPT[0]!, 'gansynth_subset');
  const second = 16 + good.length; // byte offset of the second record

  // pitch as a float (TFDS stores a ClassLabel as int64): refused while listing, naming the shard, byte and feature.
  const floatPitch = decodeExample(tfdsExample(KEPT[1]!, 'gansynth_subset'));
  floatPitch.set('pitch', { kind: 'float', value: Float32Array.of(62) });
  writeTfRecords(shard, [good, encodeExample(floatPitch)]);
  assert.throws(() => listDatasetNotes(versionDir), (e: Error) => e.message === `${shard}: record at byte ${second}: feature 'pitch' is a float list of 1; TFDS nsynth stores one int64`);

  // audio of 1 s: listed (metadata is fine), refused when loaded, naming the feature.
  const shortAudio = decodeExample(tfdsExample(KEPT[1]!, 'gansynth_subset'));
  shortAudio.set('audio', { kind: 'float', value: new Float32Array(16000) });
  writeTfRecords(shard, [good, encodeExample(shortAudio)]);
  const listed = listDatasetNotes(versionDir).notes;
  assert.throws(() => listed[1]!.load(), (e: Error) => e.message === `${shard}: record at byte ${second}: feature 'audio' is a float list of 16000; TFDS nsynth stores 64000 floats`);

  // One data byte of the second record flipped: skipped with a warning naming its byte; the record still counts
  // toward dataset_info.json's shard length.
  writeTfRecords(shard, [good, tfdsExample(KEPT[1]!, 'gansynth_subset')]);
  const damaged = new Uint8Array(readFileSync(shard));
  damaged[second + 40]! ^= 0xff;
  writeFileSync(shard, damaged);
  const warn = console.warn;
  const lines: string[] = [];
  console.warn = (...a: unknown[]) => void lines.push(a.join(' '));
  let notes: string[];
  try {
    notes = ids(listDatasetNotes(versionDir).notes);
  } finally {
    console.warn = warn;
  }
  assert.deepEqual(notes, [KEPT[0]!.id]);
  assert.deepEqual(lines, [`${shard}: skipping corrupt record at byte ${second}: data CRC mismatch in a record of ${damaged.length - second - 16} bytes`]);
  const quiet = <T>(fn: () => T): T => {
    console.warn = () => {};
    try {
      return fn();
    } finally {
      console.warn = warn;
    }
  };
  // A record lost to a bad data CRC is still framed, so the count check stays on: a third record missing is found.
  const infoPath = join(versionDir, 'dataset_info.json');
  const info = JSON.parse(readFileSync(infoPath, 'utf8')) as { splits: { name: string; shardLengths: string[] }[] };
  info.splits[0]!.shardLengths = ['3'];
  writeFileSync(infoPath, JSON.stringify(info));
  assert.throws(() => quiet(() => listDatasetNotes(versionDir)), (e: Error) => e.message.startsWith(`${shard}: 2 records, but ${infoPath} says 3`));
  // A shard cut inside its second record: framing is lost there, so the count is unknown; the warning says so.
  writeFileSync(shard, damaged.subarray(0, second + 100));
  lines.length = 0;
  console.warn = (...a: unknown[]) => void lines.push(a.join(' '));
  try {
    assert.deepEqual(ids(listDatasetNotes(versionDir).notes), [KEPT[0]!.id]);
  } finally {
    console.warn = warn;
  }
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, new RegExp(`skipping corrupt record at byte ${second}: record of \\d+ bytes needs`));
});

test('cached (fingerprint over the shards) and trained on for a step with the train command', async () => {
  const { root: r, versionDir } = fixture('train');
  await useNodeBackend('wasm'); // features: wasm is ~25× faster than tfjs-cpu here
  const cache = join(root, 'train-cache');
  const opts = { dataset: r, split: 'train', cacheDir: cache, spec: TINY_CONFIG.spectral, pitchMin: TINY_CONFIG.pitchMin, pitchCount: pitchCount(TINY_CONFIG), batchSize: 2, seed: 0 };
  const built = await prepareTrainingData(opts);
  assert.equal(built.cache.reused, false);
  assert.deepEqual(built.cache.entries.map((e) => e.note_str), KEPT.map((n) => n.id));
  assert.equal((await prepareTrainingData(opts)).cache.reused, true);
  // A shard touched (a re-preparation) changes the fingerprint, so the cache would be rebuilt.
  const before = listDatasetNotes(r, { filter: makeNoteFilter() }).fingerprint;
  const shard = join(versionDir, 'nsynth-train.tfrecord-00002-of-00003');
  utimesSync(shard, new Date(), new Date(Date.now() + 5000));
  const touched = listDatasetNotes(r, { filter: makeNoteFilter() }).fingerprint;
  assert.notEqual(touched, before);
  assert.equal((await prepareTrainingData(opts)).cache.reused, false, 'rebuilt for the touched shard');
  const indexMtimeMs = statSync(join(cache, 'index.json')).mtimeMs;

  const run = join(root, 'train-run');
  await trainMain(['--config', 'tiny', '--data', r, '--split', 'train', '--out', run, '--cache', cache, '--backend', 'cpu', '--steps', '1', '--checkpoint-every', '1', '--no-progress']);
  assert.equal(statSync(join(cache, 'index.json')).mtimeMs, indexMtimeMs, 'the train command reused the cache');
  const metrics = readMetrics(run);
  assert.equal(metrics.length, 1);
  assert.ok(Number.isFinite(metrics[0]!.g_loss) && Number.isFinite(metrics[0]!.d_loss));
  const runInfo = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8')) as { data: unknown };
  assert.match(JSON.stringify(runInfo.data), new RegExp(r.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
});
