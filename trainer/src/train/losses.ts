/**
 * GANSynth's losses (Magenta train_util.define_loss + model.py AC losses, via TF-GAN):
 * - G: −mean D(fake) + wAC_G · CE(classifier(fake), fake pitches)
 * - D: mean D(fake) − mean D(real) + wGP · mean((‖∇x̂ D(x̂)‖ / target − 1)²) + wDrift · mean D(real)²
 *      + wAC_D · CE(classifier(real), real pitches), with x̂ = real + u·(fake − real), u ~ U[0, 1) per example.
 *
 * The gradient penalty is a true second-order gradient: tf.grad of D w.r.t. x̂ inside the loss that
 * tf.variableGrads differentiates w.r.t. D's weights (gradients.ts registers what tfjs-core lacks for that).
 * D sees images at its top block's resolution (discriminator.ts); the norm of the gradient w.r.t. the
 * full-resolution image Magenta differentiates is the low-resolution norm divided by the per-axis downscale
 * factor s (each low-res pixel is the mean of s² full-res pixels), which `fullResolutionScale` applies.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from 'gansynth-web/shared/model-config';
import { discriminatorForward } from '../model/discriminator.ts';
import type { TrainConfig } from './configs.ts';

type Params = Record<string, tf.Tensor>;

/** Scalars of one step, kept (tf.keep) for logging; the caller disposes them. */
export interface LossTerms {
  [name: string]: tf.Scalar;
}

/** Mean softmax cross-entropy of `logits` against one-hot `labels`. */
export function softmaxCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor2D): tf.Scalar {
  return tf.neg(tf.mean(tf.sum(tf.mul(labels, tf.logSoftmax(logits)), 1))) as tf.Scalar;
}

/** Fraction of rows whose arg-max logit is the labelled class. */
export function accuracy(logits: tf.Tensor2D, labels: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), tf.argMax(labels, 1)), 'float32')) as tf.Scalar);
}

/** 1 / s for D fed at `numBlocks` blocks: s = scaleBase^(blocks − numBlocks) per axis. */
export function fullResolutionScale(model: ModelConfig, numBlocks: number): number {
  return 1 / model.scaleBase ** (model.filters.length - numBlocks);
}

/**
 * The generator's loss on fakes already rendered at D's resolution (so the caller can run G under the tape).
 * Records `g_wasserstein`, `ac_fake_loss`, `ac_fake_accuracy` into `terms`.
 */
export function generatorLoss(
  cfg: TrainConfig, dParams: Params, fakeLow: tf.Tensor4D, fakeLabels: tf.Tensor2D, numBlocks: number, progress: number, terms: LossTerms,
): tf.Scalar {
  const d = discriminatorForward(dParams, cfg.model, fakeLow, numBlocks, progress);
  const wasserstein = tf.neg(tf.mean(d.score)) as tf.Scalar;
  const ac = softmaxCrossEntropy(d.classLogits, fakeLabels);
  terms.g_wasserstein = tf.keep(wasserstein);
  terms.ac_fake_loss = tf.keep(ac);
  terms.ac_fake_accuracy = tf.keep(accuracy(d.classLogits, fakeLabels));
  return tf.add(wasserstein, tf.mul(ac, cfg.generatorAcLossWeight)) as tf.Scalar;
}

/**
 * The discriminator's loss. `realLow`, `fakeLow` at D's resolution (fakes detached), `mix` [b, 1, 1, 1] the
 * interpolation weights u. Records `d_wasserstein`, `gradient_penalty`, `gradient_norm`, `drift`,
 * `ac_real_loss`, `ac_real_accuracy`, `score_real`, `score_fake` into `terms`.
 */
export function discriminatorLoss(
  cfg: TrainConfig, dParams: Params, realLow: tf.Tensor4D, realLabels: tf.Tensor2D, fakeLow: tf.Tensor4D,
  mix: tf.Tensor4D, numBlocks: number, progress: number, terms: LossTerms,
): tf.Scalar {
  const model = cfg.model;
  const real = discriminatorForward(dParams, model, realLow, numBlocks, progress);
  const fake = discriminatorForward(dParams, model, fakeLow, numBlocks, progress);
  const scoreReal = tf.mean(real.score) as tf.Scalar;
  const scoreFake = tf.mean(fake.score) as tf.Scalar;
  const wasserstein = tf.sub(scoreFake, scoreReal) as tf.Scalar;

  const interpolated = tf.add(realLow, tf.mul(mix, tf.sub(fakeLow, realLow))) as tf.Tensor4D;
  const gradX = tf.grad((xh: tf.Tensor) => tf.sum(discriminatorForward(dParams, model, xh as tf.Tensor4D, numBlocks, progress).score))(interpolated);
  const squares = tf.sum(tf.square(gradX), [1, 2, 3]);
  // TF-GAN uses gradient_penalty_epsilon 0 inside the sqrt; a tiny epsilon keeps sqrt's gradient finite if a
  // gradient is exactly zero (it changes the norm by < 1e-6 otherwise).
  const norms = tf.mul(tf.sqrt(tf.add(squares, 1e-12)), fullResolutionScale(model, numBlocks));
  const penalty = tf.mean(tf.square(tf.sub(tf.div(norms, cfg.gradientPenaltyTarget), 1))) as tf.Scalar;
  const drift = tf.mean(tf.square(real.score)) as tf.Scalar;
  const ac = softmaxCrossEntropy(real.classLogits, realLabels);

  terms.d_wasserstein = tf.keep(wasserstein);
  terms.gradient_penalty = tf.keep(penalty);
  terms.gradient_norm = tf.keep(tf.mean(norms) as tf.Scalar);
  terms.drift = tf.keep(drift);
  terms.ac_real_loss = tf.keep(ac);
  terms.ac_real_accuracy = tf.keep(accuracy(real.classLogits, realLabels));
  terms.score_real = tf.keep(scoreReal);
  terms.score_fake = tf.keep(scoreFake);
  return tf.addN([
    wasserstein,
    tf.mul(penalty, cfg.gradientPenaltyWeight),
    tf.mul(drift, cfg.realScorePenaltyWeight),
    tf.mul(ac, cfg.discriminatorAcLossWeight),
  ]) as tf.Scalar;
}
