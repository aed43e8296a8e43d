/**
 * NSynth as TensorFlow Datasets prepares it (`download_and_prepare --datasets=nsynth/<config>`, what GANSynth's
 * instructions use): `DATA_DIR/nsynth/<config>/<version>/` holding `dataset_info.json` (splits, shard lengths),
 * `features.json` (the feature spec, see tfds-spec.ts), `<feature>.labels.txt`, and the shards, named by TFDS's
 * template `{DATASET}-{SPLIT}.{FILEFORMAT}-{SHARD_X_OF_Y}`: `nsynth-train.tfrecord-00000-of-00512`.
 *
 * The shards are read with the same streamed TFRecord reader as NSynth's own files (tfrecord-notes.ts): CRCs
 * checked, corrupt records skipped with a warning; each shard's record count is checked against dataset_info.json.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { decodeExample, type ExampleFeatures } from './example-proto.ts';
import type { DatasetListing, ListOptions } from './listing.ts';
import { NSYNTH_FAMILIES, NSYNTH_QUALITIES, NSYNTH_SOURCES, type NsynthMeta } from './nsynth.ts';
import {
  TFDS_NSYNTH_AUDIO_SAMPLES, TFDS_NSYNTH_CONFIGS, TFDS_NSYNTH_VERSIONS, checkFeatureSpec, checkTfmdSchema, expectedNsynthFeatures,
  flattenFeatureSpec, type TfdsNsynthConfig,
} from './tfds-spec.ts';
import { scanTfRecordNotes, type RecordDecoder } from './tfrecord-notes.ts';

/** TFDS's metadata file in a version directory. */
export const TFDS_INFO_JSON = 'dataset_info.json';
/** TFDS's feature spec file in a version directory. */
export const TFDS_FEATURES_JSON = 'features.json';
/** naming.py's DEFAULT_FILENAME_TEMPLATE, used when a split names no `filepathTemplate`. */
const DEFAULT_SHARD_TEMPLATE = '{DATASET}-{SPLIT}.{FILEFORMAT}-{SHARD_X_OF_Y}';
const VERSION_DIR = /^\d+\.\d+\.\d+$/;

/** One split of dataset_info.json. */
export interface TfdsSplit {
  name: string;
  /** Records per shard, in shard order. */
  shardLengths: number[];
  shardTemplate: string;
}

/** A TFDS-prepared NSynth version directory, read and checked. */
export interface TfdsNsynth {
  versionDir: string;
  version: string;
  config: TfdsNsynthConfig;
  splits: TfdsSplit[];
  /** dataset_info.json's bytes (part of the listing's fingerprint). */
  infoBytes: Uint8Array;
}

function isDir(p: string): boolean {
  return existsSync(p) && statSync(p).isDirectory();
}
function versionDirs(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory() && VERSION_DIR.test(d.name)).map((d) => d.name);
}
function compareVersions(a: string, b: string): number {
  const x = a.split('.').map(Number), y = b.split('.').map(Number);
  return x[0]! - y[0]! || x[1]! - y[1]! || x[2]! - y[2]!;
}
/** Config directories of a builder directory (those holding version directories). */
function configDirs(dir: string): string[] {
  if (!isDir(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory() && versionDirs(join(dir, d.name)).length > 0).map((d) => d.name).sort();
}
function newestVersionDir(configDir: string): string {
  const newest = versionDirs(configDir).sort(compareVersions).at(-1)!;
  const dir = join(configDir, newest);
  if (!existsSync(join(dir, TFDS_INFO_JSON))) throw new Error(`${dir}: no ${TFDS_INFO_JSON} in the newest version directory (an interrupted download_and_prepare?); pass another version's directory`);
  return dir;
}

/**
 * The TFDS version directory that `path` designates, or undefined when `path` is not TFDS's layout: the version
 * directory itself, a config directory (`nsynth/gansynth_subset`), the builder directory (`nsynth`) or the data
 * root holding `nsynth/`; the newest version when several are present.
 * @throws when a builder directory holds several configs (naming them), or the newest version is incomplete.
 */
export function findTfdsNsynthDir(path: string): string | undefined {
  if (!isDir(path)) return undefined;
  if (existsSync(join(path, TFDS_INFO_JSON))) return path;
  if (versionDirs(path).length > 0) return newestVersionDir(path);
  const builder = configDirs(path).length > 0 ? path : configDirs(join(path, 'nsynth')).length > 0 ? join(path, 'nsynth') : undefined;
  if (!builder) return undefined;
  const configs = configDirs(builder);
  if (configs.length > 1) throw new Error(`${builder} holds several TFDS configs (${configs.join(', ')}): pass one, e.g. --data ${join(builder, configs.includes('gansynth_subset') ? 'gansynth_subset' : configs[0]!)}`);
  return newestVersionDir(join(builder, configs[0]!));
}

function readJson(path: string): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: not valid JSON: ${(e as Error).message}`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${path}: expected a JSON object`);
  return raw as Record<string, unknown>;
}

/** An int64 as protobuf's JSON writes it (a decimal string) or a plain number. */
function int64(v: unknown, file: string, field: string): number {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new Error(`${file}: '${field}' must be a non-negative integer, got ${JSON.stringify(v)}`);
  return n;
}

function readSplits(info: Record<string, unknown>, file: string): TfdsSplit[] {
  if (!Array.isArray(info.splits) || info.splits.length === 0) throw new Error(`${file}: no 'splits' (TFDS writes them once the dataset is prepared)`);
  return info.splits.map((raw, i) => {
    const s = raw as Record<string, unknown>;
    if (typeof s.name !== 'string') throw new Error(`${file}: 'splits[${i}].name' must be a string`);
    if (!Array.isArray(s.shardLengths) || s.shardLengths.length === 0) throw new Error(`${file}: split '${s.name}' has no 'shardLengths'`);
    const shardLengths = s.shardLengths.map((v, j) => int64(v, file, `splits[${i}].shardLengths[${j}]`));
    return { name: s.name, shardLengths, shardTemplate: typeof s.filepathTemplate === 'string' && s.filepathTemplate ? s.filepathTemplate : DEFAULT_SHARD_TEMPLATE };
  });
}

/** Checks a `<feature>.labels.txt` that TFDS wrote for a ClassLabel with fixed names, when present. */
function checkLabels(versionDir: string, feature: string, names: readonly string[]): void {
  const path = join(versionDir, `${feature}.labels.txt`);
  if (!existsSync(path)) return;
  const got = readFileSync(path, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
  if (got.join(',') !== names.join(',')) throw new Error(`${path}: class names ${got.join(', ')}; TFDS nsynth's are ${names.join(', ')}`);
}

/**
 * Reads and checks a version directory: dataset_info.json (dataset name, version, config, file format, splits and
 * shard lengths, and its `features`/`schema` when present), features.json when present, and the family/source
 * label files when present. Without any spec file the records are still checked one by one as they are read.
 * @throws naming the file and the field or feature that does not match.
 */
export function readTfdsNsynth(versionDir: string): TfdsNsynth {
  const infoPath = join(versionDir, TFDS_INFO_JSON);
  const infoBytes = readFileSync(infoPath);
  const info = readJson(infoPath);
  if (info.name !== 'nsynth') throw new Error(`${infoPath}: TFDS dataset '${String(info.name)}', not 'nsynth'`);
  const version = String(info.version);
  const known = TFDS_NSYNTH_VERSIONS.join(', ');
  if (!(TFDS_NSYNTH_VERSIONS as readonly string[]).includes(version)) {
    throw new Error(`${infoPath}: nsynth version ${version} is not one this reader knows (${known}, whose encoding was confirmed from TFDS's source); prepare one of those, e.g. --datasets=nsynth/gansynth_subset:2.3.3`);
  }
  const config = String(info.configName ?? basename(join(versionDir, '..')));
  if (!(TFDS_NSYNTH_CONFIGS as readonly string[]).includes(config)) throw new Error(`${infoPath}: config '${config}' is not one of nsynth's (${TFDS_NSYNTH_CONFIGS.join(', ')})`);
  if (info.fileFormat !== undefined && info.fileFormat !== 'tfrecord') throw new Error(`${infoPath}: file format '${String(info.fileFormat)}'; only 'tfrecord' shards are read`);
  const expected = expectedNsynthFeatures(config as TfdsNsynthConfig);
  const what = `TFDS nsynth/${config} ${version}`;
  const featuresPath = join(versionDir, TFDS_FEATURES_JSON);
  if (existsSync(featuresPath)) checkFeatureSpec(flattenFeatureSpec(readJson(featuresPath), featuresPath), expected, featuresPath, what);
  if (info.features !== undefined) checkFeatureSpec(flattenFeatureSpec(info.features, `${infoPath} 'features'`), expected, infoPath, what);
  if (info.schema !== undefined) checkTfmdSchema(info.schema, expected, infoPath, what);
  checkLabels(versionDir, 'instrument-family', NSYNTH_FAMILIES);
  checkLabels(versionDir, 'instrument-source', NSYNTH_SOURCES);
  return { versionDir, version, config: config as TfdsNsynthConfig, splits: readSplits(info, infoPath), infoBytes };
}

/** A shard's file and the records dataset_info.json says it holds. */
export interface TfdsShard {
  path: string;
  records: number;
}

/**
 * The shards of `split`, named by the split's template.
 * @throws naming dataset_info.json when the split is unknown, or the missing shard file.
 */
export function tfdsShards(ds: TfdsNsynth, split: string): TfdsShard[] {
  const infoPath = join(ds.versionDir, TFDS_INFO_JSON);
  const s = ds.splits.find((x) => x.name === split);
  if (!s) throw new Error(`${infoPath}: no split '${split}' (splits: ${ds.splits.map((x) => x.name).join(', ')})`);
  const n = s.shardLengths.length;
  const digits = Math.max(5, String(n).length); // naming.py's _num_digits_needed
  const pad = (i: number) => String(i).padStart(digits, '0');
  return s.shardLengths.map((records, i) => {
    const vars: Record<string, string> = { DATASET: 'nsynth', SPLIT: split, FILEFORMAT: 'tfrecord', SHARD_INDEX: pad(i), NUM_SHARDS: pad(n), SHARD_X_OF_Y: `${pad(i)}-of-${pad(n)}` };
    const name = s.shardTemplate.replace(/\{(\w+)\}/g, (all, v: string) => {
      if (!(v in vars)) throw new Error(`${infoPath}: split '${split}' has a filepathTemplate with an unknown variable ${all}`);
      return vars[v]!;
    });
    const path = join(ds.versionDir, name);
    if (!existsSync(path)) throw new Error(`${path}: shard ${i + 1} of ${n} of split '${split}' is missing (${infoPath} lists ${n} shards)`);
    return { path, records };
  });
}

function one(f: ExampleFeatures, key: string, kind: 'int64' | 'bytes'): number | Uint8Array {
  const v = f.get(key);
  if (!v) throw new Error(`feature '${key}' is missing`);
  if (v.kind !== kind || v.value.length !== 1) throw new Error(`feature '${key}' is a ${v.kind} list of ${v.value.length}; TFDS nsynth stores one ${kind}`);
  return v.value[0]!;
}
const utf8 = new TextDecoder();

/** Metadata from a TFDS nsynth Example, in NSynth's examples.json field names. */
function tfdsMeta(f: ExampleFeatures): NsynthMeta {
  const note_str = utf8.decode(one(f, 'id', 'bytes') as Uint8Array);
  const int = (key: string, classes: number) => {
    const v = one(f, key, 'int64') as number;
    if (v < 0 || v >= classes) throw new Error(`feature '${key}' is ${v}, outside its ${classes} classes`);
    return v;
  };
  const family = int('instrument/family', NSYNTH_FAMILIES.length);
  const source = int('instrument/source', NSYNTH_SOURCES.length);
  const qualities = NSYNTH_QUALITIES.map((q) => int(`qualities/${q}`, 2));
  return {
    note_str,
    pitch: int('pitch', 128),
    velocity: int('velocity', 128),
    sample_rate: 16000, // nsynth_dataset_builder.py's _AUDIO_RATE (Audio's sample_rate from 2.3.2)
    instrument: int('instrument/label', 1006),
    // NSynth's note_str is `<instrument_str>-<pitch>-<velocity>`; TFDS keeps only the label's index.
    instrument_str: note_str.replace(/-\d+-\d+$/, ''),
    instrument_family: family,
    instrument_family_str: NSYNTH_FAMILIES[family]!,
    instrument_source: source,
    instrument_source_str: NSYNTH_SOURCES[source]!,
    qualities,
    qualities_str: NSYNTH_QUALITIES.filter((_, i) => qualities[i] === 1),
  };
}

/** Record decoding of TFDS nsynth shards: metadata without touching the audio (or f0/loudness), audio checked. */
export const TFDS_NSYNTH_DECODER: RecordDecoder = Object.freeze({
  meta: (record: Uint8Array) => tfdsMeta(decodeExample(record, (k) => k !== 'audio' && !k.startsWith('f0/') && !k.startsWith('loudness/'))),
  audio(record: Uint8Array): Float32Array {
    const a = decodeExample(record, (k) => k === 'audio').get('audio');
    if (a?.kind !== 'float' || a.value.length !== TFDS_NSYNTH_AUDIO_SAMPLES) {
      throw new Error(`feature 'audio' is ${a ? `a ${a.kind} list of ${a.value.length}` : 'missing'}; TFDS nsynth stores ${TFDS_NSYNTH_AUDIO_SAMPLES} floats`);
    }
    return a.value;
  },
});

/**
 * Lists a split of a TFDS-prepared NSynth version directory (see {@link findTfdsNsynthDir}), streaming its shards.
 * The fingerprint covers dataset_info.json's bytes, each shard's path, size and mtime, and the kept note names.
 * @throws naming the file: a missing shard, a shard whose record count is not dataset_info.json's, a bad record.
 */
export function listTfdsNsynthNotes(versionDir: string, options: ListOptions = {}): DatasetListing {
  const ds = readTfdsNsynth(versionDir);
  const split = options.split ?? 'train';
  const shards = tfdsShards(ds, split);
  const filter = options.filter ?? (() => true);
  const hash = createHash('sha256').update('tfds-nsynth\0').update(ds.infoBytes).update(`\0${split}\0`);
  for (const s of shards) {
    const st = statSync(s.path);
    hash.update(`${s.path}\0${st.size}\0${st.mtimeMs}\0`);
  }
  const notes: DatasetListing['notes'] = [];
  for (const s of shards) {
    const scan = scanTfRecordNotes(s.path, TFDS_NSYNTH_DECODER, filter, hash, options.tfrecord);
    if (!scan.framingLost && scan.records !== s.records) {
      throw new Error(`${s.path}: ${scan.records} records, but ${join(versionDir, TFDS_INFO_JSON)} says ${s.records} (a partial copy, or a shard of another preparation?)`);
    }
    for (const n of scan.notes) notes.push(n);
  }
  return { notes, fingerprint: hash.digest('hex'), location: versionDir };
}
