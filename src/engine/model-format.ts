/**
 * The model directory format ("gansynth-web/1") and the tfjs weights manifest, as pure data: parsing and
 * validation of model.json and weights_manifest.json, and encoding parameters into manifest + shards. No I/O
 * here (weights.ts fetches, src/node/model-io.ts writes files), so the same code runs in browsers and Node.
 */
import type * as tf from '@tensorflow/tfjs-core';
import {
  type ModelConfig, type NormalizationConfig, MODEL_CONFIGS, validateModelConfig,
} from '../shared/model-config.ts';
import type { ParamSpec } from './generator.ts';
import { EMA_SUFFIX } from './variable-names.ts';
import { type QuantizationInfo, type WeightQuantization, WEIGHT_QUANTIZATIONS, encodeWeightValues, quantizationProblem } from './weight-quantization.ts';

/** Value of model.json's `format`. */
export const MODEL_FORMAT = 'gansynth-web/1';
/** File names inside a model directory. */
export const MODEL_JSON = 'model.json';
export const WEIGHTS_MANIFEST_JSON = 'weights_manifest.json';
/** Default shard size of the weights we write (tfjs's, 4 MiB). */
export const SHARD_BYTES = 4 * 1024 * 1024;

/** Provenance and training metadata carried by a model (free-form beyond these fields). */
export interface ModelMeta {
  /** Human-readable model name. */
  name?: string;
  /** True for seeded random weights: the model makes noise, not instruments (the demo must say so). */
  untrained?: boolean;
  /** Seed of seeded-untrained weights. */
  seed?: number;
  /**
   * He slope of to_rgb's kernel scale (generator.ts ForwardOptions.toRgbHeSlope); absent = 0 (magenta-js's, and our
   * trainer's). loadModel sets it: 1 for Magenta's checkpoints (their Python graph), or LoadOptions.toRgbHeSlope.
   */
  toRgbHeSlope?: number;
  /** Where the model came from (URL, directory, or a description). */
  source?: string;
  /** Training run facts (dataset, steps, images seen, losses, date, ...). */
  training?: Record<string, unknown>;
  [key: string]: unknown;
}

/** How model.json says where the weights are. */
export type WeightsSource =
  | { kind: 'manifest'; path: string }
  | { kind: 'seeded-untrained'; seed: number };

/** A parsed, validated model.json. */
export interface ModelJson {
  format: typeof MODEL_FORMAT;
  config: ModelConfig;
  normalization: NormalizationConfig;
  meta: ModelMeta;
  weights: WeightsSource;
}

/** One entry of a tfjs weights manifest group. */
export interface ManifestEntry {
  name: string;
  shape: number[];
  dtype: string;
  /** Quantised storage (weight-quantization.ts): float16, or uint8/uint16 with value = q·scale + min. */
  quantization?: QuantizationInfo;
}

/** One group of a tfjs weights manifest: its entries lie back to back in the concatenation of its shards. */
export interface ManifestGroup {
  paths: string[];
  weights: ManifestEntry[];
}

const BYTES_PER_DTYPE: Record<string, number> = { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2, bool: 1 };

/** Bytes an entry occupies in its group's buffer. */
export function entryBytes(e: ManifestEntry): number {
  const dtype = e.quantization?.dtype ?? e.dtype;
  const per = BYTES_PER_DTYPE[dtype];
  if (per === undefined) throw new Error(`weights manifest: variable "${e.name}" has unsupported dtype "${dtype}"`);
  return e.shape.reduce((a, b) => a * b, 1) * per;
}

function fail(file: string, why: string): never {
  throw new Error(`${file}: ${why}`);
}

/** `raw` parsed when it is JSON text, as is otherwise; invalid JSON fails naming the file. */
function parseJsonText(raw: unknown, file: string): unknown {
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw);
  } catch (e) {
    return fail(file, `not valid JSON (${(e as Error).message})`);
  }
}

/** Parses model.json text (or an already parsed object); throws naming the file and the bad field. */
export function parseModelJson(raw: unknown, file = MODEL_JSON): ModelJson {
  const j = parseJsonText(raw, file);
  if (typeof j !== 'object' || j === null || Array.isArray(j)) fail(file, 'must be a JSON object');
  const o = j as Record<string, unknown>;
  if (o.format !== MODEL_FORMAT) fail(file, `format must be "${MODEL_FORMAT}", got ${JSON.stringify(o.format)}`);
  let config: ModelConfig;
  if (typeof o.config === 'string') {
    const named = MODEL_CONFIGS[o.config];
    if (!named) fail(file, `config "${o.config}" is not one of ${Object.keys(MODEL_CONFIGS).join(', ')}`);
    config = named;
  } else {
    try {
      config = validateModelConfig(o.config);
    } catch (e) {
      fail(file, (e as Error).message);
    }
  }
  let normalization = config.normalization;
  if (o.normalization !== undefined) {
    const n = o.normalization as Record<string, unknown>;
    if (typeof n !== 'object' || n === null) fail(file, 'normalization must be an object');
    for (const k of ['magA', 'magB', 'ifA', 'ifB']) {
      if (typeof n[k] !== 'number' || !Number.isFinite(n[k])) fail(file, `normalization.${k} must be a finite number`);
    }
    normalization = { magA: n.magA as number, magB: n.magB as number, ifA: n.ifA as number, ifB: n.ifB as number };
  }
  let weights: WeightsSource;
  const w = o.weights as Record<string, unknown> | undefined;
  if (typeof o.weightsManifest === 'string' && o.weightsManifest.length > 0) {
    if (!isConfinedPath(o.weightsManifest)) {
      fail(file, `weightsManifest ${JSON.stringify(o.weightsManifest)} leaves the model directory (it must be a relative path without "..", a scheme or backslashes)`);
    }
    weights = { kind: 'manifest', path: o.weightsManifest };
  } else if (typeof w === 'object' && w !== null && w.init === 'seeded-untrained') {
    if (!Number.isInteger(w.seed)) fail(file, `weights.seed must be an integer, got ${JSON.stringify(w.seed)}`);
    weights = { kind: 'seeded-untrained', seed: w.seed as number };
  } else {
    fail(file, 'needs "weightsManifest": "<file>" or "weights": {"init": "seeded-untrained", "seed": <int>}');
  }
  const meta: ModelMeta = typeof o.meta === 'object' && o.meta !== null ? { ...(o.meta as ModelMeta) } : {};
  if (typeof o.training === 'object' && o.training !== null) meta.training = o.training as Record<string, unknown>;
  if (weights.kind === 'seeded-untrained') {
    meta.untrained = true;
    meta.seed = weights.seed;
  }
  return { format: MODEL_FORMAT, config, normalization, meta, weights };
}

/**
 * True for a shard path that stays inside the manifest's directory: relative, no scheme (`http:`, `file:`), not
 * rooted (`/`, `//host`), no backslash, no `..` segment, percent-encoded or not (URL parsers decode `%2e%2e`).
 * A hostile manifest could otherwise make a Node loader read `/etc/passwd` or a page fetch another origin.
 */
function isConfinedPath(path: string): boolean {
  if (path === '' || path.startsWith('/') || path.includes('\\') || /^[a-z][a-z0-9+.-]*:/i.test(path)) return false;
  return path.split('/').every((segment) => segment.replace(/%2e/gi, '.') !== '..');
}

/**
 * Parses a tfjs weights manifest (array of groups); throws naming the file and the bad part, including a shard path
 * that would leave the model directory.
 */
export function parseManifest(raw: unknown, file = WEIGHTS_MANIFEST_JSON): ManifestGroup[] {
  const j = parseJsonText(raw, file);
  if (!Array.isArray(j)) fail(file, 'must be a JSON array of {paths, weights} groups');
  return j.map((g, gi) => {
    const group = g as Record<string, unknown>;
    if (!Array.isArray(group.paths) || !group.paths.every((p) => typeof p === 'string')) fail(file, `group ${gi}: paths must be an array of strings`);
    (group.paths as string[]).forEach((path, pi) => {
      if (!isConfinedPath(path)) {
        fail(file, `group ${gi} path ${pi} ${JSON.stringify(path)} leaves the model directory (shard paths must be relative, without "..", a scheme or backslashes)`);
      }
    });
    if (!Array.isArray(group.weights)) fail(file, `group ${gi}: weights must be an array`);
    const weights = (group.weights as unknown[]).map((e, ei) => {
      const entry = e as Record<string, unknown>;
      if (typeof entry.name !== 'string') fail(file, `group ${gi} weight ${ei}: name must be a string`);
      if (!Array.isArray(entry.shape) || !entry.shape.every((d) => Number.isInteger(d) && d >= 0)) {
        fail(file, `variable "${entry.name}": shape must be an array of non-negative integers, got ${JSON.stringify(entry.shape)}`);
      }
      if (typeof entry.dtype !== 'string') fail(file, `variable "${entry.name}": dtype must be a string`);
      if (entry.quantization === undefined && BYTES_PER_DTYPE[entry.dtype] === undefined) {
        fail(file, `variable "${entry.name}" has unsupported dtype ${JSON.stringify(entry.dtype)} (${Object.keys(BYTES_PER_DTYPE).join(', ')})`);
      }
      if (entry.quantization === null) delete entry.quantization;
      if (entry.quantization !== undefined) {
        const problem = quantizationProblem(entry.quantization, entry.dtype);
        if (problem) fail(file, `variable "${entry.name}": ${problem}`);
      }
      return entry as unknown as ManifestEntry;
    });
    return { paths: group.paths as string[], weights };
  });
}

/** Where a spec'd variable lives: its manifest entry, group, and byte offset inside the group's buffer. */
export interface LocatedEntry {
  spec: ParamSpec;
  entry: ManifestEntry;
  group: number;
  byteOffset: number;
}

/**
 * Matches the manifest against the generator's specs. Names may carry the `/ExponentialMovingAverage` suffix
 * (Magenta's hosted checkpoints) or not (ours). Throws on the first missing variable, wrong shape or dtype,
 * naming expected vs got. Extra variables in the manifest are allowed and skipped.
 */
export function locateParams(groups: readonly ManifestGroup[], specs: readonly ParamSpec[], file = WEIGHTS_MANIFEST_JSON): LocatedEntry[] {
  const byName = new Map<string, { entry: ManifestEntry; group: number; byteOffset: number }>();
  groups.forEach((g, gi) => {
    let offset = 0;
    for (const entry of g.weights) {
      const plain = entry.name.endsWith(EMA_SUFFIX) ? entry.name.slice(0, -EMA_SUFFIX.length) : entry.name;
      if (byName.has(plain)) fail(file, `variable "${plain}" appears twice`);
      byName.set(plain, { entry, group: gi, byteOffset: offset });
      offset += entryBytes(entry);
    }
  });
  return specs.map((spec) => {
    const found = byName.get(spec.name);
    if (!found) fail(file, `missing variable "${spec.name}" (or with ${EMA_SUFFIX}); expected shape [${spec.shape.join(', ')}] float32`);
    const { entry } = found;
    if (entry.shape.length !== spec.shape.length || entry.shape.some((d, i) => d !== spec.shape[i])) {
      fail(file, `variable "${entry.name}" has shape [${entry.shape.join(', ')}], expected [${spec.shape.join(', ')}]`);
    }
    const dtype = entry.quantization?.original_dtype ?? entry.dtype;
    if (dtype !== 'float32') fail(file, `variable "${entry.name}" has dtype ${dtype}, expected float32`);
    return { spec, ...found };
  });
}

/** Group `gi`'s byte length as the manifest describes it. */
export function groupBytes(group: ManifestGroup): number {
  return group.weights.reduce((n, e) => n + entryBytes(e), 0);
}

/** A model directory's content, ready to write (model-io.ts) or serve. */
export interface EncodedModelDir {
  modelJson: Record<string, unknown>;
  manifest: ManifestGroup[];
  /** File name → bytes, in the manifest's order. */
  shards: Map<string, Uint8Array>;
}

/** Options of encodeModelDir. */
export interface EncodeOptions {
  /** Names with `/ExponentialMovingAverage` (Magenta's hosted-checkpoint layout). */
  emaSuffix?: boolean;
  /** Shard file names: `<prefix>-shard<i>of<n>.bin` (default 'group1', as tfjs's converter). */
  shardPrefix?: string;
  /** Bytes per shard file (any positive integer; a tensor may span shards, as in tfjs); default 4 MiB. */
  shardBytes?: number;
  /** Store every tensor as float16 or affine uint8/uint16 (tfjs converter's forms); default float32. */
  quantize?: WeightQuantization;
}

/**
 * Encodes parameters (float32 values in spec order) as model.json + one manifest group split into shards of
 * `shardBytes`, each tensor as float32 or in the `quantize` form. `values` is read with `await tensor.data()` by
 * the caller so this stays synchronous and pure.
 */
export function encodeModelDir(
  specs: readonly ParamSpec[], values: readonly Float32Array[],
  model: { config: ModelConfig; normalization: NormalizationConfig; meta: ModelMeta },
  opts: EncodeOptions = {},
): EncodedModelDir {
  const shardBytes = opts.shardBytes ?? SHARD_BYTES;
  if (!Number.isInteger(shardBytes) || shardBytes <= 0) throw new Error(`shardBytes must be a positive integer, got ${shardBytes}`);
  if (opts.quantize !== undefined && !WEIGHT_QUANTIZATIONS.includes(opts.quantize)) {
    throw new Error(`quantize must be one of ${WEIGHT_QUANTIZATIONS.join(', ')}, got ${JSON.stringify(opts.quantize)}`);
  }
  const weights: ManifestEntry[] = [];
  const encoded = specs.map((s, i) => {
    const size = s.shape.reduce((a, b) => a * b, 1);
    if (values[i]!.length !== size) throw new Error(`value of "${s.name}" has ${values[i]!.length} elements, expected ${size}`);
    const e = encodeWeightValues(values[i]!, opts.quantize);
    weights.push({
      name: opts.emaSuffix ? s.name + EMA_SUFFIX : s.name, shape: [...s.shape], dtype: 'float32',
      ...(e.quantization ? { quantization: e.quantization } : {}),
    });
    return e.bytes;
  });
  const total = encoded.reduce((n, b) => n + b.byteLength, 0);
  const all = new Uint8Array(total);
  let offset = 0;
  for (const b of encoded) {
    all.set(b, offset);
    offset += b.byteLength;
  }
  const count = Math.max(1, Math.ceil(total / shardBytes));
  const prefix = opts.shardPrefix ?? 'group1';
  const shards = new Map<string, Uint8Array>();
  for (let i = 0; i < count; i++) shards.set(`${prefix}-shard${i + 1}of${count}.bin`, all.subarray(i * shardBytes, Math.min(total, (i + 1) * shardBytes)));
  const manifest: ManifestGroup[] = [{ paths: [...shards.keys()], weights }];
  const modelJson = {
    format: MODEL_FORMAT,
    config: model.config,
    normalization: model.normalization,
    meta: model.meta,
    weightsManifest: WEIGHTS_MANIFEST_JSON,
  };
  return { modelJson, manifest, shards };
}

/** A tensor map's float32 values in spec order (reads each with `await data()`). */
export async function readParamValues(params: Record<string, tf.Tensor>, specs: readonly ParamSpec[]): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const s of specs) {
    const t = params[s.name];
    if (!t) throw new Error(`parameter "${s.name}" missing from the params to save`);
    if (t.shape.join(',') !== s.shape.join(',')) throw new Error(`parameter "${s.name}" has shape [${t.shape.join(', ')}], expected [${s.shape.join(', ')}]`);
    out.push(Float32Array.from(await t.data()));
  }
  return out;
}
