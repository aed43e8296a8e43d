/**
 * A TFDS-prepared NSynth, written the way TensorFlow Datasets writes one (trainer/README.md, "NSynth as TFDS
 * prepares it", names the TFDS files this follows): `ROOT/nsynth/<config>/<version>/` with
 *  - dataset_info.json: protobuf's MessageToJson of DatasetInfo (keys sorted, int64 as decimal strings, splits in
 *    the builder's order train/valid/test with `shardLengths`, and `filepathTemplate`/`fileFormat` as TFDS ≥ 4 writes
 *    them, or without them as a 2020 TFDS did);
 *  - features.json: json.dumps(MessageToDict(FeaturesDict.to_proto()), indent=4) (camelCase, int64 as strings,
 *    defaults omitted; Audio writes its encoding with `.name`, Tensor with `.value`), or the older `{type, content}`
 *    form, or none (a 2020 TFDS wrote no features.json);
 *  - `<feature>.labels.txt` for the ClassLabels with names;
 *  - shards `nsynth-<split>.tfrecord-NNNNN-of-MMMMM` written with our TFRecord writer, one tf.train.Example per note
 *    with TFDS's flattened features and encodings.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeExample, type ExampleFeatures } from '../src/data/example-proto.ts';
import { NSYNTH_FAMILIES, NSYNTH_QUALITIES, NSYNTH_SOURCES } from '../src/data/nsynth.ts';
import type { TfdsNsynthConfig } from '../src/data/tfds-spec.ts';
import { writeTfRecords } from '../src/data/tfrecord.ts';

/** One note of the fixture. */
export interface FixtureNote {
  /** NSynth's note_str, `<family>_<source>_<nnn>-<pitch>-<velocity>`. */
  id: string;
  pitch: number;
  velocity: number;
  family: number;
  source: number;
  /** Index into instrument-label.labels.txt. */
  label: number;
  /** 0/1 per NSynth quality. */
  qualities: number[];
  audio: Float32Array;
}

/** A 4 s note at `pitch` (a sine with a decay), named the NSynth way. */
export function fixtureNote(family: string, source: string, instrument: number, pitch: number, velocity = 100, qualities: number[] = [0, 1, 0, 0, 0, 0, 0, 0, 0, 0]): FixtureNote {
  const hz = 440 * 2 ** ((pitch - 69) / 12);
  const audio = Float32Array.from({ length: 64000 }, (_, i) => 0.5 * Math.exp(-i / 24000) * Math.sin((2 * Math.PI * hz * i) / 16000));
  const id = `${family}_${source}_${String(instrument).padStart(3, '0')}-${String(pitch).padStart(3, '0')}-${String(velocity).padStart(3, '0')}`;
  return { id, pitch, velocity, family: NSYNTH_FAMILIES.indexOf(family as never), source: NSYNTH_SOURCES.indexOf(source as never), label: instrument, qualities, audio };
}

/** How the fixture's metadata is written. */
export interface FixtureOptions {
  root: string;
  config?: TfdsNsynthConfig;
  version?: string;
  /** Split → shards → notes. */
  splits: Record<string, FixtureNote[][]>;
  /** 'proto' (TFDS ≥ 4, default), 'legacy' ({type, content}) or 'none' (a 2020 TFDS). */
  featuresJson?: 'proto' | 'legacy' | 'none';
  /** TFDS ≥ 4's dataset_info.json (default true), or a 2020 one: no configName, fileFormat, filepathTemplate. */
  modernInfo?: boolean;
}

const CLS = 'tensorflow_datasets.core.features.';

/** The features of `config` in TFDS's proto-JSON form (features.json, or dataset_info.json's `features`). */
export function protoSpec(config: TfdsNsynthConfig, version: string): unknown {
  const tensor = (dtype: string, dims: number[] = []) => ({ pythonClassName: `${CLS}tensor_feature.Tensor`, tensor: { shape: dims.length ? { dimensions: dims.map(String) } : {}, dtype, encoding: 'none' } });
  const label = (n: number) => ({ pythonClassName: `${CLS}class_label_feature.ClassLabel`, classLabel: { numClasses: String(n) } });
  const dict = (features: Record<string, unknown>) => ({ pythonClassName: `${CLS}features_dict.FeaturesDict`, featuresDict: { features } });
  const audio = version >= '2.3.2'
    ? { pythonClassName: `${CLS}audio_feature.Audio`, audio: { shape: { dimensions: ['64000'] }, dtype: 'float32', sampleRate: '16000', encoding: 'NONE' } }
    : tensor('float32', [64000]);
  return featureTree(config, audio, { tensor, label, dict });
}

/** NSynth's feature tree in either spec form, built from that form's node constructors. */
function featureTree(
  config: TfdsNsynthConfig, audio: unknown,
  { tensor, label, dict }: { tensor: (dtype: string, shape?: number[]) => unknown; label: (n: number) => unknown; dict: (c: Record<string, unknown>) => unknown },
): unknown {
  const f: Record<string, unknown> = {
    audio, id: tensor('string'), pitch: label(128), velocity: label(128),
    instrument: dict({ label: label(1006), family: label(11), source: label(3) }),
    qualities: dict(Object.fromEntries(NSYNTH_QUALITIES.map((q) => [q, tensor('bool')]))),
  };
  if (config === 'gansynth_subset.f0_and_loudness') {
    f.f0 = dict({ hz: tensor('float32', [1000]), midi: tensor('float32', [1000]), confidence: tensor('float32', [1000]) });
    f.loudness = dict({ db: tensor('float32', [1000]) });
  }
  return dict(f);
}

/** The same features in the older `{type, content, proto_cls}` form (FeatureConnector.to_json). */
function legacySpec(config: TfdsNsynthConfig, version: string): unknown {
  const node = (type: string, content: unknown) => ({ type: `${CLS}${type}`, content, proto_cls: '' });
  const tensor = (dtype: string, shape: number[] = []) => node('feature.Tensor', { shape, dtype });
  const label = (n: number) => node('class_label_feature.ClassLabel', { num_classes: n });
  const dict = (c: Record<string, unknown>) => node('features_dict.FeaturesDict', c);
  const audio = version >= '2.3.2' ? node('audio_feature.Audio', { file_format: null, shape: [64000], dtype: 'float32', sample_rate: 16000 }) : tensor('float32', [64000]);
  return featureTree(config, audio, { tensor, label, dict });
}

/** One note as TFDS's example_serializer writes it: flattened keys, bool → int64 0/1, ClassLabel → int64 index. */
export function tfdsExample(n: FixtureNote, config: TfdsNsynthConfig): Uint8Array {
  const f: ExampleFeatures = new Map();
  const int = (v: number) => ({ kind: 'int64' as const, value: [v] });
  f.set('audio', { kind: 'float', value: n.audio });
  f.set('id', { kind: 'bytes', value: [new TextEncoder().encode(n.id)] });
  f.set('instrument/family', int(n.family));
  f.set('instrument/label', int(n.label));
  f.set('instrument/source', int(n.source));
  f.set('pitch', int(n.pitch));
  NSYNTH_QUALITIES.forEach((q, i) => f.set(`qualities/${q}`, int(n.qualities[i] ?? 0)));
  f.set('velocity', int(n.velocity));
  if (config === 'gansynth_subset.f0_and_loudness') {
    for (const k of ['f0/confidence', 'f0/hz', 'f0/midi', 'loudness/db']) f.set(k, { kind: 'float', value: new Float32Array(1000).fill(k === 'f0/midi' ? n.pitch : 0.5) });
  }
  return encodeExample(f);
}

/** JSON with keys sorted at every level (Python's json.dumps(sort_keys=True), as MessageToJson(sort_keys=True) does). */
function sortedJson(v: unknown, indent: number): string {
  const sort = (x: unknown): unknown => Array.isArray(x) ? x.map(sort) : x && typeof x === 'object'
    ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, sort((x as Record<string, unknown>)[k])])) : x;
  return JSON.stringify(sort(v), null, indent);
}

/** Writes the fixture; returns its version directory. */
export function writeTfdsNsynth(o: FixtureOptions): string {
  const config = o.config ?? 'gansynth_subset';
  const version = o.version ?? '2.3.3';
  const modern = o.modernInfo ?? true;
  const dir = join(o.root, 'nsynth', config, version);
  mkdirSync(dir, { recursive: true });
  const splits = Object.entries(o.splits).map(([name, shards]) => {
    const of = String(shards.length).padStart(5, '0');
    let numBytes = 0;
    shards.forEach((notes, i) => {
      const records = notes.map((n) => tfdsExample(n, config));
      numBytes += records.reduce((s, r) => s + r.length, 0);
      writeTfRecords(join(dir, `nsynth-${name}.tfrecord-${String(i).padStart(5, '0')}-of-${of}`), records);
    });
    return {
      ...(modern ? { filepathTemplate: '{DATASET}-{SPLIT}.{FILEFORMAT}-{SHARD_X_OF_Y}' } : {}),
      name, numBytes: String(numBytes), shardLengths: shards.map((s) => String(s.length)),
    };
  });
  const info = {
    citation: '@InProceedings{pmlr-v70-engel17a, ...}',
    description: 'The NSynth Dataset is an audio dataset containing ~300k musical notes, ...',
    downloadSize: '78468212993',
    location: { urls: ['https://g.co/magenta/nsynth-dataset'] },
    name: 'nsynth',
    splits,
    version,
    // A 2020 DatasetInfo proto had no config_name, module_name, file_format or release_notes.
    ...(modern ? {
      configDescription: 'NSynth Dataset limited to acoustic instruments in the MIDI pitch interval [24, 84]. ...',
      configName: config,
      moduleName: 'tensorflow_datasets.datasets.nsynth.nsynth_dataset_builder',
      fileFormat: 'tfrecord', releaseNotes: { '2.3.0': 'New `loudness_db` feature in decibels (unormalized).', '2.3.1': 'F0 computed with normalization fix in CREPE.', '2.3.2': 'Use Audio feature.', '2.3.3': 'F0 computed with fix in CREPE wave normalization (https://github.com/marl/crepe/issues/49).' } } : {}),
  };
  writeFileSync(join(dir, 'dataset_info.json'), sortedJson(info, 2));
  const form = o.featuresJson ?? 'proto';
  if (form !== 'none') writeFileSync(join(dir, 'features.json'), JSON.stringify(form === 'proto' ? protoSpec(config, version) : legacySpec(config, version), null, 4));
  writeFileSync(join(dir, 'instrument-family.labels.txt'), `${NSYNTH_FAMILIES.join('\n')}\n`);
  writeFileSync(join(dir, 'instrument-source.labels.txt'), `${NSYNTH_SOURCES.join('\n')}\n`);
  writeFileSync(join(dir, 'instrument-label.labels.txt'), `${Array.from({ length: 1006 }, (_, i) => `instrument_${i}`).join('\n')}\n`);
  return dir;
}
