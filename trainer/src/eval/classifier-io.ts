/**
 * Classifier inputs from audio, and the classifier's model directory: `classifier.json` (config, the
 * normalisation its inputs use, its held-out accuracy, provenance) + `classifier.weights.bin` (tfjs
 * encodeWeights layout, manifest inline in the json).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { wavesToFeatures } from 'gansynth-web/engine/spectral';
import type { NormalizationConfig, SpectralConfig } from 'gansynth-web/shared/model-config';
import { cropOrPad } from '../data/features.ts';
import { classifierParamShapes, poolForClassifier, type ClassifierConfig } from './pitch-classifier.ts';

export const CLASSIFIER_FORMAT = 'gansynth-web-classifier/1';
export const CLASSIFIER_JSON = 'classifier.json';
const WEIGHTS_BIN = 'classifier.weights.bin';

/** What classifier.json holds besides the weights. */
export interface ClassifierInfo {
  readonly config: ClassifierConfig;
  readonly spectral: SpectralConfig;
  readonly normalization: NormalizationConfig;
  /** Accuracy on held-out real notes, measured after training. */
  readonly heldOutAccuracy?: number;
  readonly provenance?: Record<string, unknown>;
}

/**
 * Pooled classifier inputs ([pooledFrames, bins] per note, Float32Array) for `waves`, computed in batches of
 * `batchSize` with the engine's feature ops. Leaves no tensors behind.
 */
export async function pooledInputs(
  waves: readonly Float32Array[],
  spec: SpectralConfig,
  norm: NormalizationConfig,
  c: ClassifierConfig,
  batchSize = 8,
): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  const n = spec.audioLengthSamples;
  for (let s = 0; s < waves.length; s += batchSize) {
    const part = waves.slice(s, s + batchSize);
    const flat = new Float32Array(part.length * n);
    part.forEach((w, i) => flat.set(cropOrPad(w, n), i * n));
    const pooled = tf.tidy(() => poolForClassifier(wavesToFeatures(tf.tensor2d(flat, [part.length, n]), spec, norm), c));
    const data = (await pooled.data()) as Float32Array;
    pooled.dispose();
    const size = data.length / part.length;
    for (let i = 0; i < part.length; i++) out.push(data.slice(i * size, (i + 1) * size));
  }
  return out;
}

/** Stacks pooled inputs into a [b, pooledFrames, bins, 1] tensor. */
export function stackPooled(items: readonly Float32Array[], c: ClassifierConfig): tf.Tensor4D {
  const frames = Math.ceil(c.frames / c.timePool);
  const flat = new Float32Array(items.length * frames * c.bins);
  items.forEach((x, i) => flat.set(x, i * frames * c.bins));
  return tf.tensor4d(flat, [items.length, frames, c.bins, 1]);
}

/** Writes the classifier directory atomically (temp file + rename per file). */
export async function saveClassifier(dir: string, params: Record<string, tf.Tensor>, info: ClassifierInfo): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const named = Object.entries(params).map(([name, tensor]) => ({ name, tensor }));
  const { data, specs } = await tf.io.encodeWeights(named);
  const bytes = new Uint8Array(data as ArrayBuffer);
  writeFileSync(join(dir, `${WEIGHTS_BIN}.tmp`), bytes);
  renameSync(join(dir, `${WEIGHTS_BIN}.tmp`), join(dir, WEIGHTS_BIN));
  const json = { format: CLASSIFIER_FORMAT, ...info, weights: { path: WEIGHTS_BIN, bytes: bytes.byteLength, specs } };
  writeFileSync(join(dir, `${CLASSIFIER_JSON}.tmp`), JSON.stringify(json, null, 1));
  renameSync(join(dir, `${CLASSIFIER_JSON}.tmp`), join(dir, CLASSIFIER_JSON));
}

type ClassifierJson = { format?: string; weights?: { path: string; bytes: number; specs: tf.io.WeightsManifestEntry[] } } & ClassifierInfo;

function readClassifierJson(dir: string): { path: string; raw: ClassifierJson } {
  const path = join(dir, CLASSIFIER_JSON);
  let raw: ClassifierJson;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`classifier: cannot read ${path}: ${(e as Error).message}`);
  }
  if (raw.format !== CLASSIFIER_FORMAT) throw new Error(`classifier: ${path} has format ${JSON.stringify(raw.format)}, expected ${CLASSIFIER_FORMAT}`);
  if (!raw.weights) throw new Error(`classifier: ${path} has no weights entry`);
  return { path, raw };
}

/** A classifier directory's classifier.json without its weights (no tensors made): its shape and provenance. */
export function readClassifierInfo(dir: string): ClassifierInfo {
  const { config, spectral, normalization, heldOutAccuracy, provenance } = readClassifierJson(dir).raw;
  return { config, spectral, normalization, heldOutAccuracy, provenance };
}

/** Reads a classifier directory; checks format, byte length and every parameter's shape. */
export function loadClassifier(dir: string): { params: Record<string, tf.Tensor>; info: ClassifierInfo } {
  const { path, raw } = readClassifierJson(dir);
  const weights = raw.weights!;
  const bin = readFileSync(join(dir, weights.path));
  if (bin.byteLength !== weights.bytes) {
    throw new Error(`classifier: ${weights.path} is ${bin.byteLength} bytes, ${path} says ${weights.bytes}`);
  }
  const buf = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
  const params = tf.io.decodeWeights(buf, weights.specs);
  const expected = classifierParamShapes(raw.config);
  for (const [name, shape] of Object.entries(expected)) {
    const t = params[name];
    if (!t) throw new Error(`classifier: ${path} lacks parameter ${name}`);
    if (t.shape.join(',') !== shape.join(',')) throw new Error(`classifier: ${name} has shape [${t.shape}], expected [${shape}]`);
  }
  return { params, info: readClassifierInfo(dir) };
}
