/**
 * The feature spec of TFDS's `nsynth` builder, and the check of a prepared directory's spec against it.
 *
 * What is on disk, confirmed from TensorFlow Datasets' source (trainer/README.md names the files and commits):
 * every example is a tf.train.Example whose keys are the nested feature names joined with '/'
 * (`utils.flatten_nest_dict`); float tensors are float lists, integer and bool tensors int64 lists (a bool as 0/1),
 * strings bytes lists (`example_serializer._item_to_tf_feature`); a ClassLabel is its int64 index. For versions
 * 2.3.0–2.3.3 of all three configs that gives:
 *
 *   audio                      float list [64000]   (Tensor in 2.3.0/2.3.1, Audio(sample_rate 16000) from 2.3.2:
 *                                                     Audio without a file format stores the same float list)
 *   id                         bytes                (NSynth's note_str)
 *   pitch, velocity            int64 (ClassLabel of 128)
 *   instrument/label           int64 (ClassLabel of 1006; names in instrument-label.labels.txt)
 *   instrument/family          int64 (ClassLabel of 11: bass … vocal, NSynth's instrument_family order)
 *   instrument/source          int64 (ClassLabel of 3: acoustic, electronic, synthetic)
 *   qualities/<quality>        int64 0/1 (bool), one per NSynth quality
 *   f0/{hz,midi,confidence}, loudness/db   float list [1000]   (gansynth_subset.f0_and_loudness only)
 *
 * A spec is read from features.json (TFDS's proto-JSON form `{pythonClassName, featuresDict: …}` or the older
 * `{type, content}` form), from dataset_info.json's `features` (same proto form) and from its `schema`
 * (tensorflow_metadata: INT/FLOAT/BYTES), whichever are present. Anything that would store a feature otherwise is
 * refused with the file and the feature named.
 */
import { NSYNTH_QUALITIES } from './nsynth.ts';

/** The TFDS nsynth versions whose encoding was confirmed from TFDS's source. */
export const TFDS_NSYNTH_VERSIONS = Object.freeze(['2.3.0', '2.3.1', '2.3.2', '2.3.3'] as const);
/** TFDS nsynth's builder configs. */
export const TFDS_NSYNTH_CONFIGS = Object.freeze(['full', 'gansynth_subset', 'gansynth_subset.f0_and_loudness'] as const);
/** One of {@link TFDS_NSYNTH_CONFIGS}. */
export type TfdsNsynthConfig = (typeof TFDS_NSYNTH_CONFIGS)[number];

/** Samples per note (4 s at 16 kHz: nsynth_dataset_builder.py's _NUM_SECS · _AUDIO_RATE). */
export const TFDS_NSYNTH_AUDIO_SAMPLES = 64000;
/** Frames of the f0/loudness features (4 s at 250 Hz). */
const F0_FRAMES = 1000;

/** How one feature is stored in each tf.train.Example. */
export interface StoredFeature {
  kind: 'float' | 'int64' | 'bytes';
  /** Dimensions (−1 for unknown); [] for a scalar. */
  shape: readonly number[];
  /** For a ClassLabel: its number of classes. */
  numClasses?: number;
}

/** A flattened feature of a spec file, as it would be stored, or why it cannot be read here. */
type SpecLeaf = StoredFeature | { unsupported: string };

const scalar = (kind: StoredFeature['kind']): StoredFeature => ({ kind, shape: [] });
const label = (numClasses: number): StoredFeature => ({ kind: 'int64', shape: [], numClasses });
const floats = (n: number): StoredFeature => ({ kind: 'float', shape: [n] });

/** The features every example of `config` holds, flattened, as TFDS stores them (identical for 2.3.0–2.3.3). */
export function expectedNsynthFeatures(config: TfdsNsynthConfig): Map<string, StoredFeature> {
  const m = new Map<string, StoredFeature>([
    ['audio', floats(TFDS_NSYNTH_AUDIO_SAMPLES)],
    ['id', scalar('bytes')],
    ['pitch', label(128)],
    ['velocity', label(128)],
    ['instrument/label', label(1006)],
    ['instrument/family', label(11)],
    ['instrument/source', label(3)],
  ]);
  for (const q of NSYNTH_QUALITIES) m.set(`qualities/${q}`, scalar('int64'));
  if (config === 'gansynth_subset.f0_and_loudness') {
    for (const k of ['f0/hz', 'f0/midi', 'f0/confidence', 'loudness/db']) m.set(k, floats(F0_FRAMES));
  }
  return m;
}

/** "float list [64000]", "int64 (ClassLabel of 128)", "bytes". */
export function describeStored(s: SpecLeaf): string {
  if ('unsupported' in s) return s.unsupported;
  if (s.numClasses !== undefined) return `int64 (ClassLabel of ${s.numClasses})`;
  const list = s.kind === 'float' ? 'float list' : s.kind === 'int64' ? 'int64' : 'bytes';
  return s.shape.length === 0 ? list : `${list} [${s.shape.map((d) => (d < 0 ? '?' : d)).join(', ')}]`;
}

function kindOfDtype(dtype: unknown): StoredFeature['kind'] | undefined {
  const d = String(dtype).toLowerCase();
  if (/^(float16|float32|float64|bfloat16)$/.test(d)) return 'float';
  if (/^(bool|u?int(8|16|32|64))$/.test(d)) return 'int64';
  if (/^(string|object|bytes|str)$/.test(d)) return 'bytes';
  return undefined;
}

/** A shape as the legacy form writes it ([64000, null]) or the proto form ({dimensions: ["64000", "-1"]}; {} or absent for a scalar). */
function dims(shape: unknown): number[] | undefined {
  if (shape === undefined) return [];
  const list = Array.isArray(shape) ? shape : typeof shape === 'object' && shape !== null ? ((shape as { dimensions?: unknown[] }).dimensions ?? []) : undefined;
  if (!Array.isArray(list)) return undefined;
  const out = list.map((d) => (d === null ? -1 : Number(d)));
  return out.every(Number.isInteger) ? out : undefined;
}

/** A Tensor/Audio whose values are stored as they are (encoding none) or as bytes. */
function tensorLeaf(cls: string, c: Record<string, unknown>): SpecLeaf {
  const encoding = String(c.encoding ?? 'none').toLowerCase();
  const fileFormat = c.fileFormat ?? c.file_format;
  const what = `${cls}(dtype ${String(c.dtype)}${fileFormat ? `, file format ${String(fileFormat)}` : ''}${encoding !== 'none' ? `, encoding ${encoding}` : ''})`;
  if (encoding !== 'none' || c.lazyDecode === true || c.lazy_decode === true) return { unsupported: `encoded bytes (${what})` };
  const kind = kindOfDtype(c.dtype);
  const shape = dims(c.shape);
  if (!kind || !shape) return { unsupported: what };
  return { kind, shape };
}

/** Flattens one spec node (proto-JSON or legacy form) into `out`, keys joined with '/'. */
function flattenNode(node: unknown, name: string, out: Map<string, SpecLeaf>, where: string): void {
  if (!node || typeof node !== 'object') throw new Error(`${where}: feature '${name}' is not an object`);
  const n = node as Record<string, unknown>;
  const className = String(n.pythonClassName ?? n.type ?? '');
  const cls = className.slice(className.lastIndexOf('.') + 1);
  let content = (n.type !== undefined ? n.content : undefined) as unknown;
  if (typeof content === 'string') content = JSON.parse(content); // legacy proto content serialised as a string
  const c = (content ?? n.featuresDict ?? n.tensor ?? n.audio ?? n.classLabel ?? n.text ?? {}) as Record<string, unknown>;
  const prefix = name ? `${name}/` : '';
  if (cls === 'FeaturesDict') {
    const children = (n.featuresDict ? (c as { features?: unknown }).features : c) as Record<string, unknown> | undefined;
    if (!children || typeof children !== 'object') throw new Error(`${where}: FeaturesDict '${name || '(top level)'}' lists no features`);
    for (const [k, v] of Object.entries(children)) flattenNode(v, prefix + k, out, where);
    return;
  }
  if (!name) throw new Error(`${where}: the top-level feature is ${cls || 'unnamed'}, expected a FeaturesDict`);
  if (cls === 'ClassLabel') {
    const num = Number(c.numClasses ?? c.num_classes ?? (Array.isArray(c.names) ? c.names.length : NaN));
    out.set(name, Number.isInteger(num) ? label(num) : { unsupported: 'ClassLabel without a class count' });
  } else if (cls === 'Text') out.set(name, scalar('bytes'));
  else if (cls === 'Tensor' || cls === 'Audio') out.set(name, tensorLeaf(cls, c));
  else out.set(name, { unsupported: `${cls || 'an unnamed feature class'}` });
}

/** Flattens a features.json (or dataset_info.json `features`) spec to feature name → storage. */
export function flattenFeatureSpec(spec: unknown, where: string): Map<string, SpecLeaf> {
  const out = new Map<string, SpecLeaf>();
  flattenNode(spec, '', out, where);
  return out;
}

function same(a: SpecLeaf, b: StoredFeature): boolean {
  return !('unsupported' in a) && a.kind === b.kind && a.numClasses === b.numClasses &&
    a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
}

/**
 * Checks a flattened spec against what TFDS's nsynth stores.
 * @param what e.g. "TFDS nsynth/gansynth_subset 2.3.3"
 * @throws naming `file` and the first feature that is missing, extra or stored otherwise.
 */
export function checkFeatureSpec(leaves: Map<string, SpecLeaf>, expected: Map<string, StoredFeature>, file: string, what: string): void {
  for (const [k, e] of expected) {
    const got = leaves.get(k);
    if (!got) throw new Error(`${file}: feature '${k}' is missing; ${what} stores it as ${describeStored(e)}`);
    if (!same(got, e)) throw new Error(`${file}: feature '${k}' is ${describeStored(got)}, but ${what} stores ${describeStored(e)}: not a feature spec this reader knows`);
  }
  for (const [k, got] of leaves) {
    if (!expected.has(k)) throw new Error(`${file}: feature '${k}' (${describeStored(got)}) is not one of ${what}'s: not a feature spec this reader knows`);
  }
}

/** Checks dataset_info.json's tensorflow_metadata `schema` (feature types INT/FLOAT/BYTES) against the expected storage. */
export function checkTfmdSchema(schema: unknown, expected: Map<string, StoredFeature>, file: string, what: string): void {
  const features = (schema as { feature?: unknown })?.feature;
  if (!Array.isArray(features)) throw new Error(`${file}: 'schema' has no 'feature' list`);
  const kinds: Record<string, StoredFeature['kind']> = { FLOAT: 'float', INT: 'int64', BYTES: 'bytes' };
  for (const f of features as Record<string, unknown>[]) {
    const name = String(f.name);
    const e = expected.get(name);
    if (!e) throw new Error(`${file}: schema feature '${name}' is not one of ${what}'s: not a feature spec this reader knows`);
    if (kinds[String(f.type)] !== e.kind) throw new Error(`${file}: schema feature '${name}' has type ${String(f.type)}, but ${what} stores ${describeStored(e)}`);
  }
}
