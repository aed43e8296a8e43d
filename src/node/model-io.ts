/**
 * Model directories on disk (Node): a fetch for loadModel that reads files (and http(s) under a timeout, http-fetch.ts),
 * `loadModelFromDisk`, and `saveModelDir`, which the trainer's export calls.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig, NormalizationConfig } from '../shared/model-config.ts';
import { generatorParamSpecs } from '../engine/generator.ts';
import { type ModelMeta, MODEL_JSON, WEIGHTS_MANIFEST_JSON, encodeModelDir, readParamValues } from '../engine/model-format.ts';
import type { WeightQuantization } from '../engine/weight-quantization.ts';
import { type FetchFn, type LoadOptions, type LoadedModel, type ResponseLike, loadModel } from '../engine/weights.ts';
import { DEFAULT_FETCH_TIMEOUT_SEC, httpFetch } from './http-fetch.ts';
import { writeDirAtomic } from './atomic-file.ts';

function fileResponse(bytes: Uint8Array | null, status: number, statusText: string): ResponseLike {
  return {
    ok: status >= 200 && status < 300,
    status,
    statusText,
    async text() {
      return bytes ? new TextDecoder().decode(bytes) : '';
    },
    async arrayBuffer() {
      return bytes ? bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer : new ArrayBuffer(0);
    },
  };
}

/** Options of createNodeFetch. */
export interface NodeFetchOptions {
  /**
   * http(s) downloads fail after this many seconds without progress (no response, or a body that stalls);
   * default DEFAULT_FETCH_TIMEOUT_SEC (30), at most 300.
   */
  timeoutSec?: number;
}

/**
 * A FetchFn for Node: http(s) URLs go to the global fetch under a timeout, failures naming the URL and the cause
 * (http-fetch.ts); file:// URLs and plain paths are read from disk, a missing file answering status 404 (as a web
 * server would) so loadModel can tell the formats apart.
 */
export function createNodeFetch(opts: NodeFetchOptions = {}): FetchFn {
  const http = httpFetch(opts.timeoutSec ?? DEFAULT_FETCH_TIMEOUT_SEC);
  return (url) => (/^https?:/i.test(url) ? http(url) : readFileResponse(url));
}

/** createNodeFetch() with the default timeout. */
export const nodeFetch: FetchFn = createNodeFetch();

async function readFileResponse(url: string): Promise<ResponseLike> {
  const path = url.startsWith('file:') ? fileURLToPath(url) : url;
  try {
    return fileResponse(new Uint8Array(await readFile(path)), 200, 'OK');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return fileResponse(null, 404, 'Not Found');
    if (code === 'EISDIR') return fileResponse(null, 400, 'Is a directory');
    throw e;
  }
};

/**
 * loadModel with createNodeFetch: `source` is a directory path, file:// URL or http(s) URL; `fetchTimeoutSec` is the
 * http(s) timeout without progress (default 30 s).
 */
export function loadModelFromDisk(source: string, opts: Omit<LoadOptions, 'fetchFn'> & { fetchTimeoutSec?: number } = {}): Promise<LoadedModel> {
  const { fetchTimeoutSec, ...rest } = opts;
  return loadModel(source, { ...rest, fetchFn: fetchTimeoutSec === undefined ? nodeFetch : createNodeFetch({ timeoutSec: fetchTimeoutSec }) });
}

/** Files a model directory holds (saveModelDir replaces a directory only when it holds nothing else). */
export function isModelFile(name: string): boolean {
  return name === MODEL_JSON || name === WEIGHTS_MANIFEST_JSON || name.endsWith('.bin');
}

/** What saveModelDir writes. */
export interface SaveModelInput {
  config: ModelConfig;
  normalization?: NormalizationConfig;
  /** Generator parameters by Magenta-layout name (no EMA suffix), N(0,1)-scale as the forward pass uses them. */
  params: Record<string, tf.Tensor>;
  meta?: ModelMeta;
}

/** Options of saveModelDir. */
export interface SaveModelOptions {
  /** Save a to_rgb per block (resumable progressive training) instead of only the last. */
  allToRgb?: boolean;
  /** Write names with `/ExponentialMovingAverage` and no model.json: Magenta's hosted-checkpoint layout. */
  magentaLayout?: boolean;
  /**
   * Shard size in bytes (default 4 MiB, tfjs's). magenta-js (tfjs 2 `loadWeights`) requests all shards at once
   * and reads no body until every response has started, so from an HTTP/1.1 server (6 connections per host in
   * Chromium) it deadlocks on more than 6 shards: use ≥ 8 MiB shards for a paper model meant for magenta-js.
   */
  shardBytes?: number;
  /** Store the weights as float16 or affine uint8/uint16, as tfjs's converter can (default float32). */
  quantize?: WeightQuantization;
}

/**
 * Writes a model directory: model.json ("gansynth-web/1"), weights_manifest.json and .bin shards (4 MiB by default),
 * all at once (writeDirAtomic): an existing model directory is replaced whole or not at all, and a directory holding
 * anything but model files is refused. Returns the files written (relative names). The tensors are read, not disposed.
 */
export async function saveModelDir(dir: string, model: SaveModelInput, opts: SaveModelOptions = {}): Promise<string[]> {
  const specs = generatorParamSpecs(model.config, { allToRgb: opts.allToRgb });
  const values = await readParamValues(model.params, specs);
  const encoded = encodeModelDir(specs, values, {
    config: model.config,
    normalization: model.normalization ?? model.config.normalization,
    meta: { ...(model.meta ?? {}) },
  }, { emaSuffix: opts.magentaLayout, shardBytes: opts.shardBytes, quantize: opts.quantize });
  const files = new Map<string, Uint8Array | string>(encoded.shards);
  files.set(WEIGHTS_MANIFEST_JSON, JSON.stringify(encoded.manifest, null, 1));
  if (!opts.magentaLayout) files.set(MODEL_JSON, JSON.stringify(encoded.modelJson, null, 2) + '\n');
  // The whole directory at once: a kill or a full disk never leaves new shards beside an old manifest.
  writeDirAtomic(dir, files, isModelFile);
  const written = [...files.keys()];
  return written;
}
