/**
 * Loading generator weights: our model directories ("gansynth-web/1": model.json + tfjs weights manifest, or
 * seeded-untrained) and Magenta's hosted tfjs checkpoints (a directory holding only weights_manifest.json with
 * `/ExponentialMovingAverage` names, e.g.
 * https://storage.googleapis.com/magentadata/js/checkpoints/gansynth/acoustic_only). Everything is validated
 * against `generatorParamSpecs` before a tensor is made, and every failure names the file and variable.
 */
import * as tf from '@tensorflow/tfjs-core';
import { type ModelConfig, type NormalizationConfig, MAGENTA_NORMALIZATION, PAPER_CONFIG } from '../shared/model-config.ts';
import { generatorParamSpecs, initGeneratorParams } from './generator.ts';
import {
  type LocatedEntry, type ManifestGroup, type ModelMeta, MODEL_FORMAT, MODEL_JSON, WEIGHTS_MANIFEST_JSON,
  entryBytes, groupBytes, locateParams, parseManifest, parseModelJson,
} from './model-format.ts';

/** The part of a fetch Response that loadModel uses (so Node can supply a file reader). */
export interface ResponseLike {
  ok: boolean;
  status: number;
  statusText?: string;
  text(): Promise<string>;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** Fetches a URL or path. Must resolve with status 404 (not reject) for a missing file. */
export type FetchFn = (url: string) => Promise<ResponseLike>;

/** Options of loadModel. */
export interface LoadOptions {
  /** Default: the global fetch (browsers, Node ≥ 18 for http(s)); Node callers pass model-io's `nodeFetch`. */
  fetchFn?: FetchFn;
  /** Called with the fraction of weight bytes loaded, 0..1. */
  onProgress?: (fraction: number) => void;
  /** Load a to_rgb layer per block (for training resumption); default only the last block's. */
  allToRgb?: boolean;
}

/** A model ready for the generator. The caller owns it and must call `dispose()`. */
export interface LoadedModel {
  readonly config: ModelConfig;
  readonly normalization: NormalizationConfig;
  /** Generator variables by Magenta-layout name without the EMA suffix, stored N(0,1)-scale (unscaled). */
  readonly params: Record<string, tf.Tensor>;
  readonly meta: ModelMeta;
  readonly format: typeof MODEL_FORMAT | 'magenta';
  dispose(): void;
}

function joinUrl(base: string, file: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(file) || file.startsWith('/')) return file;
  return base === '' ? file : `${base.replace(/\/+$/, '')}/${file}`;
}

async function fetchOk(fetchFn: FetchFn, url: string): Promise<ResponseLike> {
  let r: ResponseLike;
  try {
    r = await fetchFn(url);
  } catch (e) {
    throw new Error(`${url}: fetch failed (${(e as Error).message})`);
  }
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}${r.statusText ? ` ${r.statusText}` : ''}`);
  return r;
}

function makeModel(config: ModelConfig, normalization: NormalizationConfig, params: Record<string, tf.Tensor>, meta: ModelMeta, format: LoadedModel['format']): LoadedModel {
  let disposed = false;
  return {
    config, normalization, params, meta, format,
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const t of Object.values(params)) t.dispose();
    },
  };
}

/**
 * Fetches every shard of the groups that hold located variables, checks byte lengths, and makes one tensor per
 * variable. Throws naming the shard and its byte length when a shard is short or long.
 */
async function loadLocated(
  fetchFn: FetchFn, base: string, groups: readonly ManifestGroup[], located: readonly LocatedEntry[], onProgress?: (f: number) => void,
): Promise<Record<string, tf.Tensor>> {
  const needed = [...new Set(located.map((l) => l.group))].sort((a, b) => a - b);
  const totalBytes = needed.reduce((n, gi) => n + groupBytes(groups[gi]!), 0);
  let loadedBytes = 0;
  const buffers = new Map<number, ArrayBuffer>();
  for (const gi of needed) {
    const group = groups[gi]!;
    const expected = groupBytes(group);
    const parts: { url: string; bytes: Uint8Array }[] = [];
    for (const path of group.paths) {
      const url = joinUrl(base, path);
      const bytes = new Uint8Array(await (await fetchOk(fetchFn, url)).arrayBuffer());
      parts.push({ url, bytes });
      loadedBytes += bytes.byteLength;
      onProgress?.(Math.min(1, loadedBytes / Math.max(1, totalBytes)));
    }
    const got = parts.reduce((n, p) => n + p.bytes.byteLength, 0);
    if (got !== expected) {
      // Name the variable the missing (or surplus) bytes belong to, for a truncated download or a wrong manifest.
      let offset = 0;
      let firstShort = '';
      for (const e of group.weights) {
        offset += entryBytes(e);
        if (offset > got && !firstShort) firstShort = e.name;
      }
      const sizes = parts.map((p) => `${p.url} (${p.bytes.byteLength} bytes)`).join(', ');
      throw new Error(
        `weights group ${gi}: shards hold ${got} bytes but the manifest's ${group.weights.length} variables need ${expected} bytes` +
        (got < expected ? `; truncated from variable "${firstShort}" on` : '; shards are longer than the manifest says') +
        `. Shards: ${sizes}`,
      );
    }
    const all = new Uint8Array(expected);
    let at = 0;
    for (const p of parts) {
      all.set(p.bytes, at);
      at += p.bytes.byteLength;
    }
    buffers.set(gi, all.buffer);
  }
  const params: Record<string, tf.Tensor> = {};
  try {
    for (const l of located) {
      const buf = buffers.get(l.group)!;
      const slice = buf.slice(l.byteOffset, l.byteOffset + entryBytes(l.entry));
      // decodeWeights handles quantised entries as well as plain float32.
      const decoded = tf.io.decodeWeights(slice, [{ ...l.entry, name: l.spec.name } as tf.io.WeightsManifestEntry]);
      params[l.spec.name] = decoded[l.spec.name]!;
    }
  } catch (e) {
    for (const t of Object.values(params)) t.dispose();
    throw e;
  }
  return params;
}

/**
 * Loads a model from a directory URL or path (`source`, with or without a trailing `/model.json`):
 * - `model.json` present: our format; its `weightsManifest` names the tfjs manifest, or
 *   `"weights": {"init": "seeded-untrained", "seed": n}` makes seeded random weights (meta.untrained = true).
 * - only `weights_manifest.json`: a Magenta checkpoint, read with the `paper` config and Magenta's normalisation.
 */
export async function loadModel(source: string, opts: LoadOptions = {}): Promise<LoadedModel> {
  const fetchFn: FetchFn = opts.fetchFn ?? ((url) => fetch(url));
  const base = source.replace(/\/+$/, '').replace(/\/(model|weights_manifest)\.json$/, '');
  const modelUrl = joinUrl(base, MODEL_JSON);
  let modelResponse: ResponseLike;
  try {
    modelResponse = await fetchFn(modelUrl);
  } catch (e) {
    throw new Error(`${modelUrl}: fetch failed (${(e as Error).message})`);
  }
  const specsOpts = { allToRgb: opts.allToRgb };
  if (modelResponse.status === 404) {
    // No model.json: a Magenta checkpoint directory (weights_manifest.json with EMA names).
    const manifestUrl = joinUrl(base, WEIGHTS_MANIFEST_JSON);
    const mr = await fetchFn(manifestUrl).catch((e: Error) => {
      throw new Error(`${manifestUrl}: fetch failed (${e.message})`);
    });
    if (mr.status === 404) throw new Error(`${source}: neither ${MODEL_JSON} nor ${WEIGHTS_MANIFEST_JSON} found (HTTP 404)`);
    if (!mr.ok) throw new Error(`${manifestUrl}: HTTP ${mr.status}`);
    const groups = parseManifest(await mr.text(), manifestUrl);
    const located = locateParams(groups, generatorParamSpecs(PAPER_CONFIG, specsOpts), manifestUrl);
    const params = await loadLocated(fetchFn, base, groups, located, opts.onProgress);
    const meta: ModelMeta = { name: `Magenta GANSynth (${base.split('/').pop() || base})`, source, toRgbHeSlope: 0 };
    return makeModel(PAPER_CONFIG, MAGENTA_NORMALIZATION, params, meta, 'magenta');
  }
  if (!modelResponse.ok) throw new Error(`${modelUrl}: HTTP ${modelResponse.status}`);
  const mj = parseModelJson(await modelResponse.text(), modelUrl);
  const meta: ModelMeta = { source, ...mj.meta };
  if (mj.weights.kind === 'seeded-untrained') {
    const params = initGeneratorParams(mj.config, mj.weights.seed, specsOpts);
    opts.onProgress?.(1);
    return makeModel(mj.config, mj.normalization, params, meta, MODEL_FORMAT);
  }
  const manifestUrl = joinUrl(base, mj.weights.path);
  const groups = parseManifest(await (await fetchOk(fetchFn, manifestUrl)).text(), manifestUrl);
  const located = locateParams(groups, generatorParamSpecs(mj.config, specsOpts), manifestUrl);
  const manifestBase = manifestUrl.slice(0, Math.max(0, manifestUrl.lastIndexOf('/')));
  const params = await loadLocated(fetchFn, manifestBase, groups, located, opts.onProgress);
  return makeModel(mj.config, mj.normalization, params, meta, MODEL_FORMAT);
}
