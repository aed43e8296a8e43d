/**
 * The evaluation pitch classifier (GANSynth §4.2 trains one on real NSynth notes): a small conv net on the
 * normalised log-mel magnitude. Its softmax gives PA/PE/IS and its penultimate layer the features for FID.
 *
 * Input [b, frames, bins, ≥1] (channel 0 = normalised log-mel magnitude) → mean-pool time by `timePool` →
 * optional conv blocks (kernel 3×5, LReLU 0.2, max-pool 1×2 along frequency; `channels`) → flatten → dense
 * `hidden` (LReLU; the FID features) → dense `classes` logits. Time is pooled early because pitch lives on the
 * frequency axis. The default has no conv blocks (an MLP over the pooled spectrum): tfjs-cpu's conv backprop took
 * ≈ 9 s per step of 4 notes here against 0.18 s for the MLP, and the MLP reaches 100 % on the test's notes; with
 * tfjs-node or a GPU, `channels: [16, 16, 32, 32]` gives the conv net the paper describes.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SeededRandom } from 'gansynth-web/shared/random';

/** Classifier shape (data; saved beside the weights). */
export interface ClassifierConfig {
  readonly frames: number;
  readonly bins: number;
  readonly timePool: number;
  readonly channels: readonly number[];
  readonly hidden: number;
  readonly classes: number;
  /** MIDI pitch of class 0. */
  readonly pitchMin: number;
}

export const DEFAULT_CLASSIFIER_CONFIG: ClassifierConfig = Object.freeze({
  frames: 128,
  bins: 1024,
  timePool: 32,
  channels: Object.freeze([] as number[]),
  hidden: 128,
  classes: 61,
  pitchMin: 24,
});

/** Parameter names and shapes of a classifier. */
export function classifierParamShapes(c: ClassifierConfig): Record<string, number[]> {
  const shapes: Record<string, number[]> = {};
  let inCh = 1;
  c.channels.forEach((ch, i) => {
    shapes[`conv${i}/kernel`] = [3, 5, inCh, ch];
    shapes[`conv${i}/bias`] = [ch];
    inCh = ch;
  });
  const t = Math.ceil(c.frames / c.timePool);
  const f = c.bins / 2 ** c.channels.length;
  if (!Number.isInteger(f) || f < 1) throw new Error(`classifier: bins ${c.bins} not divisible by 2^${c.channels.length}`);
  shapes['dense0/kernel'] = [t * f * inCh, c.hidden];
  shapes['dense0/bias'] = [c.hidden];
  shapes['logits/kernel'] = [c.hidden, c.classes];
  shapes['logits/bias'] = [c.classes];
  return shapes;
}

/** He-initialised variables (seeded). */
export function initClassifierParams(c: ClassifierConfig, seed: number): Record<string, tf.Variable> {
  const rng = new SeededRandom(seed);
  const out: Record<string, tf.Variable> = {};
  for (const [name, shape] of Object.entries(classifierParamShapes(c))) {
    const size = shape.reduce((a, b) => a * b, 1);
    if (name.endsWith('/bias')) {
      out[name] = tf.tidy(() => tf.variable(tf.zeros(shape), true, `classifier/${name}`));
    } else {
      const fanIn = shape.slice(0, -1).reduce((a, b) => a * b, 1);
      const std = Math.sqrt(2 / fanIn);
      const v = rng.normals(size).map((x) => x * std);
      out[name] = tf.tidy(() => tf.variable(tf.tensor(v, shape), true, `classifier/${name}`));
    }
  }
  return out;
}

/**
 * The classifier's fixed front end: channel 0 (normalised log-mel magnitude) of features [b, frames, bins, C],
 * mean-pooled over time by `timePool` → [b, ceil(frames/timePool), bins, 1]. Kept apart so datasets can be
 * pooled once and stored at 1/32 of the feature size.
 */
export function poolForClassifier(features: tf.Tensor4D, c: ClassifierConfig): tf.Tensor4D {
  return tf.tidy(() => {
    if (features.shape[1] !== c.frames || features.shape[2] !== c.bins) {
      throw new Error(`classifier: features are ${features.shape[1]}×${features.shape[2]}, expected ${c.frames}×${c.bins}`);
    }
    const mag = tf.slice(features, [0, 0, 0, 0], [-1, -1, -1, 1]);
    return tf.avgPool(mag, [c.timePool, 1], [c.timePool, 1], 'same');
  });
}

/** Forward pass on pooled input (see poolForClassifier): logits [b, classes], penultimate features [b, hidden]. */
export function classifierForward(
  params: Record<string, tf.Tensor>,
  c: ClassifierConfig,
  pooled: tf.Tensor4D,
): { logits: tf.Tensor2D; penultimate: tf.Tensor2D } {
  return tf.tidy(() => {
    const p = (n: string) => {
      const t = params[n];
      if (!t) throw new Error(`classifier: missing parameter ${n}`);
      return t;
    };
    let x: tf.Tensor4D = pooled;
    for (let i = 0; i < c.channels.length; i++) {
      x = tf.conv2d(x, p(`conv${i}/kernel`) as tf.Tensor4D, 1, 'same');
      x = tf.leakyRelu(tf.add(x, p(`conv${i}/bias`)), 0.2) as tf.Tensor4D;
      x = tf.maxPool(x, [1, 2], [1, 2], 'valid');
    }
    const flat = tf.reshape(x, [x.shape[0], -1]) as tf.Tensor2D;
    const penultimate = tf.leakyRelu(tf.add(tf.matMul(flat, p('dense0/kernel') as tf.Tensor2D), p('dense0/bias')), 0.2) as tf.Tensor2D;
    const logits = tf.add(tf.matMul(penultimate, p('logits/kernel') as tf.Tensor2D), p('logits/bias')) as tf.Tensor2D;
    return { logits, penultimate };
  });
}

/** One labelled batch: pooled input (poolForClassifier) and class indices. */
export interface ClassifierBatch {
  readonly pooled: tf.Tensor4D;
  readonly labels: readonly number[];
}

/**
 * Trains `params` in place with Adam on batches from `nextBatch` for `steps` steps; returns the loss per step.
 * Batches are disposed by the caller's iterator contract: this function disposes each batch's tensors.
 */
export async function trainClassifier(
  params: Record<string, tf.Variable>,
  c: ClassifierConfig,
  nextBatch: (step: number) => Promise<ClassifierBatch> | ClassifierBatch,
  opts: { steps: number; learningRate?: number; onStep?: (step: number, loss: number) => void },
): Promise<number[]> {
  const optimizer = tf.train.adam(opts.learningRate ?? 1e-3);
  const losses: number[] = [];
  const vars = Object.values(params);
  try {
    for (let step = 0; step < opts.steps; step++) {
      const batch = await nextBatch(step);
      const labels = tf.tidy(() => tf.oneHot(tf.tensor1d(batch.labels as number[], 'int32'), c.classes));
      const cost = optimizer.minimize(
        () => {
          const { logits, penultimate } = classifierForward(params, c, batch.pooled);
          penultimate.dispose();
          return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
        },
        true,
        vars,
      );
      const loss = (await cost!.data())[0]!;
      cost!.dispose();
      labels.dispose();
      batch.pooled.dispose();
      if (!Number.isFinite(loss)) throw new Error(`classifier training diverged at step ${step}: loss ${loss}`);
      losses.push(loss);
      opts.onStep?.(step, loss);
    }
  } finally {
    optimizer.dispose();
  }
  return losses;
}

/** Softmax probabilities and penultimate features for pooled input, as plain arrays (for the metrics). */
export async function classify(
  params: Record<string, tf.Tensor>,
  c: ClassifierConfig,
  pooled: tf.Tensor4D,
): Promise<{ probs: Float32Array[]; penultimate: Float32Array[] }> {
  const { logits, penultimate } = classifierForward(params, c, pooled);
  const probsT = tf.softmax(logits);
  const [p, f] = await Promise.all([probsT.data(), penultimate.data()]);
  logits.dispose();
  penultimate.dispose();
  probsT.dispose();
  const b = pooled.shape[0];
  const split = (arr: Float32Array, width: number) =>
    Array.from({ length: b }, (_, i) => arr.slice(i * width, (i + 1) * width) as Float32Array);
  return { probs: split(p as Float32Array, c.classes), penultimate: split(f as Float32Array, c.hidden) };
}
