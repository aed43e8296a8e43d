/**
 * The evaluation pipeline behind `gansynth-trainer eval`: a pitch classifier (loaded or trained on the dataset's
 * train split), the real held-out ceiling, and generated notes from a model, scored with the paper's metrics.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Generator } from 'gansynth-web/engine/generator';
import { featuresToWaves } from 'gansynth-web/engine/spectral';
import type { LoadedModel } from 'gansynth-web/engine/weights';
import { MAGENTA_NORMALIZATION, type SpectralConfig } from 'gansynth-web/shared/model-config';
import { SeededRandom } from 'gansynth-web/shared/random';
import type { NoteRef } from '../data/listing.ts';
import { pooledInputs, stackPooled } from './classifier-io.ts';
import { frechetDistance, inceptionScore, numberOfDifferentBins, pitchAccuracy, pitchEntropy, type NdbResult, type WithCi } from './metrics.ts';
import { classify, initClassifierParams, trainClassifier, type ClassifierConfig } from './pitch-classifier.ts';
import { checkNote, type SanityReport } from './sanity.ts';

/** Scores of one set of notes (real held-out or generated). */
export interface SetScores {
  readonly notes: number;
  readonly pitchAccuracy: WithCi;
  readonly pitchEntropy: WithCi;
  readonly inceptionScore: WithCi;
  /** Fréchet distance of the classifier's penultimate features to the real training notes'. */
  readonly fid: number;
  readonly ndb: { count: number; k: number; alpha: number };
  /** Accuracy per MIDI pitch: [pitch, accuracy, count]. */
  readonly perPitch: [number, number, number][];
}

/** Classifier inputs of a set of notes plus their labels. */
export interface LabelledInputs {
  readonly pooled: Float32Array[];
  readonly pitches: number[];
}

/** Pooled inputs of dataset notes (audio loaded lazily), computed in batches. */
export async function inputsOfNotes(notes: readonly NoteRef[], spec: SpectralConfig, c: ClassifierConfig): Promise<LabelledInputs> {
  const pooled: Float32Array[] = [];
  const batch = 16;
  for (let s = 0; s < notes.length; s += batch) {
    const part = notes.slice(s, s + batch);
    pooled.push(...(await pooledInputs(part.map((n) => n.load()), spec, MAGENTA_NORMALIZATION, c)));
  }
  return { pooled, pitches: notes.map((n) => n.meta.pitch) };
}

/** Trains a classifier on `train` for `steps` steps of `batchSize` (seeded); returns its variables. */
export async function fitClassifier(
  c: ClassifierConfig,
  train: LabelledInputs,
  opts: { steps: number; batchSize: number; seed: number; learningRate?: number; onStep?: (step: number, loss: number) => void },
): Promise<Record<string, tf.Variable>> {
  const params = initClassifierParams(c, opts.seed);
  const rng = new SeededRandom(opts.seed + 1);
  let order: number[] = [];
  await trainClassifier(
    params,
    c,
    () => {
      const idx: number[] = [];
      while (idx.length < Math.min(opts.batchSize, train.pooled.length)) {
        if (order.length === 0) order = rng.shuffle(train.pooled.map((_, i) => i));
        idx.push(order.pop()!);
      }
      return { pooled: stackPooled(idx.map((i) => train.pooled[i]!), c), labels: idx.map((i) => train.pitches[i]! - c.pitchMin) };
    },
    { steps: opts.steps, learningRate: opts.learningRate, onStep: opts.onStep },
  );
  return params;
}

/** Softmax and penultimate features of labelled inputs, in batches. */
export async function classifyAll(params: Record<string, tf.Tensor>, c: ClassifierConfig, x: LabelledInputs) {
  const probs: Float32Array[] = [];
  const feats: Float32Array[] = [];
  for (let s = 0; s < x.pooled.length; s += 32) {
    const input = stackPooled(x.pooled.slice(s, s + 32), c);
    const r = await classify(params, c, input);
    input.dispose();
    probs.push(...r.probs);
    feats.push(...r.penultimate);
  }
  return { probs, feats };
}

/** Averages pooled inputs over groups of `factor` frequency bins: the space NDB clusters in. */
export function ndbVector(pooled: Float32Array, bins: number, factor = 8): Float64Array {
  const rows = pooled.length / bins;
  const out = new Float64Array(rows * (bins / factor));
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < bins / factor; j++) {
      let s = 0;
      for (let k = 0; k < factor; k++) s += pooled[r * bins + j * factor + k]!;
      out[r * (bins / factor) + j] = s / factor;
    }
  }
  return out;
}

/** All the paper's metrics of `set` against the real training reference. */
export async function scoreSet(
  params: Record<string, tf.Tensor>,
  c: ClassifierConfig,
  set: LabelledInputs,
  reference: { feats: Float32Array[]; ndbVectors: Float64Array[] },
  opts: { ndbK: number; seed: number },
): Promise<SetScores & { ndbDetail: NdbResult }> {
  const { probs, feats } = await classifyAll(params, c, set);
  const labels = set.pitches.map((p) => p - c.pitchMin);
  const per = new Map<number, [number, number]>();
  probs.forEach((p, i) => {
    let best = 0;
    for (let j = 1; j < p.length; j++) if (p[j]! > p[best]!) best = j;
    const e = per.get(set.pitches[i]!) ?? [0, 0];
    e[0] += best === labels[i] ? 1 : 0;
    e[1] += 1;
    per.set(set.pitches[i]!, e);
  });
  const k = Math.min(opts.ndbK, reference.ndbVectors.length);
  const ndbDetail = numberOfDifferentBins(reference.ndbVectors, set.pooled.map((x) => ndbVector(x, c.bins)), { k, seed: opts.seed });
  return {
    notes: set.pooled.length,
    pitchAccuracy: pitchAccuracy(probs, labels),
    pitchEntropy: pitchEntropy(probs),
    // Splits of ≥ 100 notes (up to 10): a split's marginal over a handful of notes says nothing about diversity.
    inceptionScore: inceptionScore(probs, Math.max(1, Math.min(10, Math.floor(probs.length / 100)))),
    fid: frechetDistance(reference.feats, feats),
    ndb: { count: ndbDetail.count, k: ndbDetail.k, alpha: ndbDetail.alpha },
    perPitch: [...per.entries()].sort((a, b) => a[0] - b[0]).map(([p, [hit, n]]) => [p, hit / n, n]),
    ndbDetail,
  };
}

/** Generated notes: waves and the sanity report of each, for `pitches` with seeded random latents. */
export async function generateNotes(
  model: LoadedModel,
  pitches: readonly number[],
  seed: number,
  batchSize = 4,
): Promise<{ waves: Float32Array[]; sanity: SanityReport[] }> {
  const gen = new Generator(model);
  const rng = new SeededRandom(seed);
  const waves: Float32Array[] = [];
  const { spectral, latentSize } = model.config;
  for (let s = 0; s < pitches.length; s += batchSize) {
    const part = pitches.slice(s, s + batchSize);
    const z = part.map(() => rng.normals(latentSize));
    const audio = tf.tidy(() => featuresToWaves(gen.predict(z, part), spectral, model.normalization));
    const data = (await audio.data()) as Float32Array;
    audio.dispose();
    for (let i = 0; i < part.length; i++) waves.push(data.slice(i * spectral.audioLengthSamples, (i + 1) * spectral.audioLengthSamples));
  }
  return { waves, sanity: waves.map((w) => checkNote(w, spectral.sampleRateHz)) };
}
