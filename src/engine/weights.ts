/**
 * Loading generator weights: our model directories ("gansynth-web/1": model.json + tfjs weights manifest, or
 * seeded-untrained) and Magenta's hosted tfjs checkpoints (a directory holding only weights_manifest.json with
 * `/ExponentialMovingAverage` names, e.g.
 * https://storage.googleapis.com/magentadata/js/checkpoints/gansynth/acoustic_only). Manifests as tfjs's converter
 * writes them: any groups and shards, float32, float16 or uint8/uint16-quantised. Everything is validated against
 * `generatorParamSpecs` before a tensor is made; every failure names the URL, and the variable where one is at
 * fault (model-fetch.ts). Downloads go through Cache Storage by default (model-cache.ts) and report byte progress.
 */
import * as tf from '@tensorflow/tfjs-core';
import { type ModelConfig, type NormalizationConfig, MAGENTA_NORMALIZATION, PAPER_CONFIG } from '../shared/model-config.ts';
import { generatorParamSpecs, initGeneratorParams } from './generator.ts';
import {
  type LocatedEntry, type ManifestGroup, type ModelMeta, MODEL_FORMAT, MODEL_JSON, WEIGHTS_MANIFEST_JSON,
  entryBytes, groupBytes, locateParams, parseManifest, parseModelJson,
} from './model-format.ts';
import {
  type FetchFn, type ResponseLike, HtmlResponseError, fetchOk, fetchResponse, httpError, joinUrl, readBytes, readJsonText,
} from './model-fetch.ts';
import { cachedFetch } from './model-cache.ts';
import { firstNonFinite } from './weight-quantization.ts';

export type { FetchFn, ResponseLike } from './model-fetch.ts';
export {
  type CacheStrategy, type CachedFetchOptions, type ResponseCache, IMMUTABLE_MODEL_URL_PREFIXES, MODEL_CACHE_NAME,
  cachedFetch, clearModelCache, defaultCacheStrategy, modelCacheAvailable,
} from './model-cache.ts';

/**
 * to_rgb He slope of Magenta's Python graph (networks.py's to_rgb scales by sqrt(1/fan_in)), which their
 * checkpoints were trained with: loadModel's default for them.
 */
export const MAGENTA_TO_RGB_HE_SLOPE = 1;
/** to_rgb He slope magenta-js applies (sqrt(2/fan_in), as for every kernel): `toRgbHeSlope` for parity with it. */
export const MAGENTA_JS_TO_RGB_HE_SLOPE = 0;

/** Options of loadModel. */
export interface LoadOptions {
  /**
   * Default: the global fetch, through cachedFetch (Cache Storage, where it exists) unless `cache` is false. A
   * given fetchFn is used as it is (wrap it in cachedFetch to cache); Node callers pass model-io's `nodeFetch`.
   */
  fetchFn?: FetchFn;
  /** Keep files the global fetch downloads in Cache Storage for offline use (model-cache.ts); default true. */
  cache?: boolean;
  /**
   * Weight download progress in bytes of the shards the model needs: (0, total) before the first, then as bytes
   * arrive, (total, total) at the end. Not called for seeded-untrained models (nothing to download).
   */
  onProgress?: (loadedBytes: number, totalBytes: number) => void;
  /** Load a to_rgb layer per block (for training resumption); default only the last block's. */
  allToRgb?: boolean;
  /**
   * Overrides the model's to_rgb He slope (meta.toRgbHeSlope, generator.ts). Default: what the model says (ours:
   * absent = 0), and MAGENTA_TO_RGB_HE_SLOPE (1) for Magenta checkpoints; MAGENTA_JS_TO_RGB_HE_SLOPE (0) renders
   * them as @magenta/music does.
   */
  toRgbHeSlope?: number;
  /**
   * Config to read a Magenta-layout directory (no model.json) with; default PAPER_CONFIG, Magenta's. The layout
   * carries no config, so `export --magenta-layout` of a smaller run loads only with its config given here.
   */
  magentaConfig?: ModelConfig;
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

/** Collects cachedFetch's `keep()` of validated files; a file that cannot be stored only warns. */
class Keeper {
  private readonly pending: Promise<void>[] = [];

  keep(r: ResponseLike, url: string): void {
    if (!r.keep) return;
    this.pending.push(r.keep().catch((e: Error) => console.warn(`model cache: ${url} not stored (${e.message})`)));
  }

  settled(): Promise<unknown> {
    return Promise.all(this.pending);
  }
}

/** Where loadLocated reads from and reports to. */
interface ShardSource {
  fetchFn: FetchFn;
  /** Directory the manifest's paths are relative to. */
  base: string;
  manifestUrl: string;
  keeper: Keeper;
  onProgress?: LoadOptions['onProgress'];
}

/** "the group holding "a" … "z"" for messages about a whole shard. */
function groupContents(group: ManifestGroup): string {
  const names = group.weights.map((w) => `"${w.name}"`);
  return names.length <= 2 ? names.join(' and ') : `${names[0]} … ${names.at(-1)} (${names.length} variables)`;
}

/**
 * Fetches every shard of the groups that hold located variables (one after another, bytes reported as they
 * stream in), checks each group's byte length, keeps validated shards in the cache, and makes one float32 tensor
 * per variable (float32, float16 or uint8/uint16-quantised entries, decoded by tfjs). Throws naming the shard and
 * its byte length when a shard is short or long, and the variable when one cannot be decoded or holds a NaN or an
 * Infinity (with the element).
 */
async function loadLocated(src: ShardSource, groups: readonly ManifestGroup[], located: readonly LocatedEntry[]): Promise<Record<string, tf.Tensor>> {
  const needed = [...new Set(located.map((l) => l.group))].sort((a, b) => a - b);
  const totalBytes = needed.reduce((n, gi) => n + groupBytes(groups[gi]!), 0);
  let loadedBytes = 0;
  src.onProgress?.(0, totalBytes);
  const buffers = new Map<number, ArrayBuffer>();
  for (const gi of needed) {
    const group = groups[gi]!;
    const expected = groupBytes(group);
    const parts: { url: string; bytes: Uint8Array; response: ResponseLike }[] = [];
    for (const [si, path] of group.paths.entries()) {
      const url = joinUrl(src.base, path);
      const where = `shard ${si + 1} of ${group.paths.length} of the weights group holding ${groupContents(group)}, listed in ${src.manifestUrl}`;
      const response = await fetchOk(src.fetchFn, url, where);
      const bytes = await readBytes(response, url, (n) => {
        loadedBytes += n;
        src.onProgress?.(Math.min(loadedBytes, totalBytes), totalBytes);
      });
      parts.push({ url, bytes, response });
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
        `weights group ${gi} of ${src.manifestUrl}: shards hold ${got} bytes but the manifest's ${group.weights.length} variables need ${expected} bytes` +
        (got < expected ? `; truncated from variable "${firstShort}" on` : '; shards are longer than the manifest says') +
        `. Shards: ${sizes}`,
      );
    }
    for (const p of parts) src.keeper.keep(p.response, p.url);
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
      // A NaN or Infinity would render silence or noise with no error anywhere: refuse the model, naming the variable.
      const bad = firstNonFinite(slice, l.entry.quantization);
      if (bad) {
        throw new Error(
          `${src.manifestUrl}: variable "${l.entry.name}" holds ${bad.value} at element ${bad.index} of ` +
          `${l.entry.shape.reduce((a, b) => a * b, 1)}: the weights are corrupt (or training diverged); not loading them`,
        );
      }
      let t: tf.Tensor;
      try {
        // tfjs's own decoder: float32 as is, float16 and affine uint8/uint16 dequantised to float32.
        t = tf.io.decodeWeights(slice, [{ ...l.entry, name: l.spec.name } as tf.io.WeightsManifestEntry])[l.spec.name]!;
      } catch (e) {
        throw new Error(`${src.manifestUrl}: variable "${l.entry.name}" cannot be decoded: ${(e as Error).message}`);
      }
      params[l.spec.name] = t;
      if (t.dtype !== 'float32') throw new Error(`${src.manifestUrl}: variable "${l.entry.name}" decoded as ${t.dtype}, expected float32`);
    }
  } catch (e) {
    for (const t of Object.values(params)) t.dispose();
    throw e;
  }
  return params;
}

/** The global fetch (bound, so it works when called as a plain function). */
const globalFetch: FetchFn = (url) => fetch(url);

function checkLoadOptions(opts: LoadOptions): void {
  if (opts.toRgbHeSlope !== undefined && !(typeof opts.toRgbHeSlope === 'number' && Number.isFinite(opts.toRgbHeSlope))) {
    throw new Error(`loadModel: toRgbHeSlope must be a finite number, got ${JSON.stringify(opts.toRgbHeSlope)}`);
  }
}

/**
 * Loads a model from a directory URL or path (`source`, with or without a trailing `/model.json`):
 * - `model.json` present: our format; its `weightsManifest` names the tfjs manifest, or
 *   `"weights": {"init": "seeded-untrained", "seed": n}` makes seeded random weights (meta.untrained = true).
 * - no model.json (HTTP 404, or an HTML page in its place): `weights_manifest.json` alone is a Magenta checkpoint,
 *   read with `magentaConfig` (default paper), Magenta's normalisation and to_rgb slope 1 (see LoadOptions).
 * Manifests may have any number of groups and shards, float32, float16 or uint8/uint16 entries; every value
 * becomes a float32 tensor. Failures name the URL, and the variable where one is at fault.
 */
export async function loadModel(source: string, opts: LoadOptions = {}): Promise<LoadedModel> {
  checkLoadOptions(opts);
  const fetchFn: FetchFn = opts.fetchFn ?? (opts.cache === false ? globalFetch : cachedFetch(globalFetch));
  const keeper = new Keeper();
  const base = source.replace(/\/+$/, '').replace(/\/(model|weights_manifest)\.json$/, '');
  const modelUrl = joinUrl(base, MODEL_JSON);
  const specsOpts = { allToRgb: opts.allToRgb };
  const modelResponse = await fetchResponse(fetchFn, modelUrl);
  let modelText: string | null = null;
  let notModelJson = '';
  if (modelResponse.status === 404) {
    notModelJson = `${modelUrl}: HTTP 404`;
  } else {
    if (!modelResponse.ok) throw httpError(modelUrl, modelResponse);
    modelText = await readJsonText(modelResponse, modelUrl).catch((e: Error) => {
      // A server that answers every path with its index.html: maybe a Magenta checkpoint all the same.
      if (!(e instanceof HtmlResponseError)) throw e;
      notModelJson = e.message;
      return null;
    });
  }
  let model: LoadedModel;
  if (modelText === null) {
    // No model.json: a Magenta checkpoint directory (weights_manifest.json with EMA names).
    const manifestUrl = joinUrl(base, WEIGHTS_MANIFEST_JSON);
    const mr = await fetchResponse(fetchFn, manifestUrl);
    if (mr.status === 404) {
      throw new Error(modelResponse.status === 404
        ? `${source}: neither ${MODEL_JSON} nor ${WEIGHTS_MANIFEST_JSON} found (HTTP 404 for ${modelUrl} and ${manifestUrl})`
        : `${notModelJson}; and ${manifestUrl}: HTTP 404`);
    }
    if (!mr.ok) throw httpError(manifestUrl, mr);
    const manifestText = await readJsonText(mr, manifestUrl).catch((e: Error) => {
      throw e instanceof HtmlResponseError && notModelJson ? new Error(`${notModelJson}; ${manifestUrl}: got HTML, not JSON too`) : e;
    });
    const groups = parseManifest(manifestText, manifestUrl);
    const config = opts.magentaConfig ?? PAPER_CONFIG;
    const located = locateParams(groups, generatorParamSpecs(config, specsOpts), manifestUrl);
    if (modelResponse.status === 404) keeper.keep(modelResponse, modelUrl);
    keeper.keep(mr, manifestUrl);
    const params = await loadLocated({ fetchFn, base, manifestUrl, keeper, onProgress: opts.onProgress }, groups, located);
    const meta: ModelMeta = {
      name: `Magenta GANSynth (${base.split('/').pop() || base})`, source, toRgbHeSlope: opts.toRgbHeSlope ?? MAGENTA_TO_RGB_HE_SLOPE,
    };
    model = makeModel(config, MAGENTA_NORMALIZATION, params, meta, 'magenta');
  } else {
    const mj = parseModelJson(modelText, modelUrl);
    const meta: ModelMeta = { source, ...mj.meta, ...(opts.toRgbHeSlope !== undefined ? { toRgbHeSlope: opts.toRgbHeSlope } : {}) };
    if (mj.weights.kind === 'seeded-untrained') {
      keeper.keep(modelResponse, modelUrl);
      model = makeModel(mj.config, mj.normalization, initGeneratorParams(mj.config, mj.weights.seed, specsOpts), meta, MODEL_FORMAT);
    } else {
      const manifestUrl = joinUrl(base, mj.weights.path);
      const mr = await fetchOk(fetchFn, manifestUrl, `the weights manifest named by ${modelUrl}`);
      const groups = parseManifest(await readJsonText(mr, manifestUrl), manifestUrl);
      const located = locateParams(groups, generatorParamSpecs(mj.config, specsOpts), manifestUrl);
      keeper.keep(modelResponse, modelUrl);
      keeper.keep(mr, manifestUrl);
      const manifestBase = manifestUrl.slice(0, Math.max(0, manifestUrl.lastIndexOf('/')));
      const params = await loadLocated({ fetchFn, base: manifestBase, manifestUrl, keeper, onProgress: opts.onProgress }, groups, located);
      model = makeModel(mj.config, mj.normalization, params, meta, MODEL_FORMAT);
    }
  }
  // Stored before returning, so a page closed right after the load still finds the files next time.
  await keeper.settled();
  return model;
}
