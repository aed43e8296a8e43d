/**
 * The discriminator at block resolution (ours: D fed images already downscaled to its top block, the gradient-penalty
 * norm rescaled by `fullResolutionScale`) against Magenta's way, written here from magenta/models/gansynth/lib
 * (networks.discriminator, model.py blend_images, TF-GAN's losses): D fed full-resolution images that it
 * box-downscales itself, the penalty's gradient taken w.r.t. the full-resolution interpolate. Same weights, same
 * data; scores, class logits, every loss term, the penalty and D's weight gradients must agree, on the tiny config at
 * a stable stage, a transition and the last stage. tfjs CPU backend.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { SeededRandom } from 'gansynth-web/shared/random';
import { generatorAlpha, generatorForward, initGeneratorParams, pitchesToOneHot } from 'gansynth-web/engine/generator';
import { CLASSIFIER_SCOPE, DISCRIMINATOR_SCOPE, discriminatorForward, discriminatorLayerNames, initDiscriminatorParams } from '../src/model/discriminator.ts';
import { resolveTrainConfig } from '../src/train/configs.ts';
import { type LossTerms, discriminatorLoss, generatorLoss, softmaxCrossEntropy } from '../src/train/losses.ts';
import { blendReal } from '../src/train/trainer-loop.ts';
import { cpuTraining } from './train-fixtures.ts';
import { syntheticFeatures } from '../../support/training-features.ts';

before(cpuTraining);

type Params = Record<string, tf.Tensor>;
const cfg = resolveTrainConfig('tiny');
const model = cfg.model;
const N = model.filters.length;
const BATCH = 2;
/** Relative error allowed between ours and Magenta's way (float32, different summation orders). */
const TOLERANCE = 1e-4;

/**
 * layers.downscale: the box average over scale×scale pixels, written as two matmuls (differentiable twice, unlike
 * avgPool; tfjs-cpu's mean over the inner axes of a 6-D reshape took 130 ms per full-resolution call).
 */
function downscale(x: tf.Tensor4D, scale: number): tf.Tensor4D {
  if (scale === 1) return x;
  const [b, h, w, c] = x.shape;
  return tf.tidy(() => {
    // Along bins: each run of `scale` bins × c channels is contiguous; average it with a [scale·c, c] matrix.
    const avgBins = tf.tile(tf.div(tf.eye(c), scale), [scale, 1]) as tf.Tensor2D;
    const xw = tf.reshape(tf.matMul(tf.reshape(x, [(b * h * w) / scale, scale * c]) as tf.Tensor2D, avgBins), [(b * h) / scale, scale, (w / scale) * c]);
    // Along frames: average each group of `scale` rows, a batched [1, scale] × [scale, (w/scale)·c] product.
    const avgFrames = tf.fill([(b * h) / scale, 1, scale], 1 / scale) as tf.Tensor3D;
    return tf.reshape(tf.matMul(avgFrames, xw as tf.Tensor3D), [b, h / scale, w / scale, c]) as tf.Tensor4D;
  });
}

/** layers.upscale: nearest neighbour. */
function upscale(x: tf.Tensor4D, scale: number): tf.Tensor4D {
  return scale === 1 ? x : tf.image.resizeNearestNeighbor(x, [x.shape[1] * scale, x.shape[2] * scale]);
}

/** Magenta's `_conv2d`: custom_conv2d (kernel · sqrt(2 / fanIn)) + bias, leaky ReLU 0.2. */
function conv(p: Params, x: tf.Tensor4D, blockId: number, layer: 'from_rgb' | 'conv0' | 'conv1', padding: 'same' | 'valid'): tf.Tensor4D {
  const names = discriminatorLayerNames(blockId, layer);
  const k = p[names.kernel] as tf.Tensor4D;
  const scale = Math.sqrt(2 / (k.shape[0] * k.shape[1] * k.shape[2]));
  return tf.leakyRelu(tf.add(tf.conv2d(x, tf.mul(k, scale) as tf.Tensor4D, 1, padding), p[names.bias]!), 0.2) as tf.Tensor4D;
}

/** layers.custom_dense with its default He slope 1: x · kernel · sqrt(1 / fanIn) + bias. */
function dense(p: Params, x: tf.Tensor2D, scope: string): tf.Tensor2D {
  const k = p[`${scope}/dense/kernel`] as tf.Tensor2D;
  return tf.add(tf.matMul(x, tf.mul(k, Math.sqrt(1 / k.shape[0])) as tf.Tensor2D), p[`${scope}/bias`]!) as tf.Tensor2D;
}

/** networks.discriminator (simple_arch=False) + the AC head of discriminator_fn_specgram, on full-resolution x0. */
function magentaD(p: Params, x0: tf.Tensor4D, numBlocks: number, progress: number): { score: tf.Tensor2D; classLogits: tf.Tensor2D } {
  const lods: [tf.Tensor4D, number][] = [];
  for (let blockId = numBlocks; blockId >= 1; blockId--) {
    const lod = conv(p, downscale(x0, model.scaleBase ** (N - blockId)), blockId, 'from_rgb', 'same');
    lods.push([lod, Math.min(1, Math.max(0, blockId - progress))]); // _discriminator_alpha
  }
  let x = lods[0]![0];
  for (let blockId = numBlocks, i = 1; blockId >= 2; blockId--, i++) {
    x = conv(p, x, blockId, 'conv0', 'same');
    x = conv(p, x, blockId, 'conv1', 'same');
    x = downscale(x, model.scaleBase);
    const [lod, alpha] = lods[i]!;
    x = tf.add(tf.mul(lod, alpha), tf.mul(x, 1 - alpha)) as tf.Tensor4D;
  }
  // layers.minibatch_mean_stddev + scalar_concat.
  const { variance } = tf.moments(x, [0]);
  const stddev = tf.mean(tf.sqrt(tf.add(variance, 1e-6)));
  x = tf.concat([x, tf.mul(tf.onesLike(tf.slice(x, [0, 0, 0, 0], [-1, -1, -1, 1])), stddev)], 3) as tf.Tensor4D;
  x = conv(p, x, 1, 'conv0', 'same');
  x = conv(p, x, 1, 'conv1', 'valid');
  const flat = tf.reshape(x, [x.shape[0], -1]) as tf.Tensor2D;
  return { score: dense(p, flat, `${DISCRIMINATOR_SCOPE}/progressive_gan_block_1/logits`), classLogits: dense(p, flat, CLASSIFIER_SCOPE) };
}

/** model.py blend_images: Σ_b α_b · upscale(downscale(x, s_b), s_b) at full resolution (terms with α_b = 0 left out). */
function magentaBlend(x: tf.Tensor4D, numBlocks: number, progress: number): tf.Tensor4D {
  const terms = [];
  for (let b = 1; b <= numBlocks; b++) {
    const s = model.scaleBase ** (N - b);
    const alpha = generatorAlpha(b, progress);
    if (alpha > 0) terms.push(tf.mul(upscale(downscale(x, s), s), alpha));
  }
  return tf.addN(terms) as tf.Tensor4D;
}

/** TF-GAN's losses on full-resolution images, as train_util.define_loss combines them for GANSynth. */
function magentaDLoss(p: Params, real: tf.Tensor4D, labels: tf.Tensor2D, fake: tf.Tensor4D, mix: tf.Tensor4D, nb: number, progress: number): Record<string, tf.Scalar> {
  const dReal = magentaD(p, real, nb, progress);
  const dFake = magentaD(p, fake, nb, progress);
  const wasserstein = tf.sub(tf.mean(dFake.score), tf.mean(dReal.score)) as tf.Scalar;
  const interpolates = tf.add(real, tf.mul(mix, tf.sub(fake, real))) as tf.Tensor4D;
  const grads = tf.grad((x: tf.Tensor) => tf.sum(magentaD(p, x as tf.Tensor4D, nb, progress).score))(interpolates);
  const slopes = tf.sqrt(tf.sum(tf.square(grads), [1, 2, 3]));
  const penalty = tf.mean(tf.square(tf.sub(tf.div(slopes, cfg.gradientPenaltyTarget), 1))) as tf.Scalar;
  const drift = tf.mean(tf.square(dReal.score)) as tf.Scalar;
  const ac = softmaxCrossEntropy(dReal.classLogits, labels);
  const loss = tf.addN([wasserstein, tf.mul(penalty, cfg.gradientPenaltyWeight), tf.mul(drift, cfg.realScorePenaltyWeight), tf.mul(ac, cfg.discriminatorAcLossWeight)]) as tf.Scalar;
  return {
    loss, score_real: tf.mean(dReal.score) as tf.Scalar, score_fake: tf.mean(dFake.score) as tf.Scalar, d_wasserstein: wasserstein,
    gradient_penalty: penalty, gradient_norm: tf.mean(slopes) as tf.Scalar, drift, ac_real_loss: ac,
  };
}

/** Worst |a − b| relative to the largest |b| (floor 1e-3, so near-zero references do not divide by ~0). */
async function relErr(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const [x, y] = [await a.data(), await b.data()];
  assert.equal(x.length, y.length);
  let worst = 0;
  let scale = 1e-3;
  for (let i = 0; i < y.length; i++) {
    worst = Math.max(worst, Math.abs(x[i]! - y[i]!));
    scale = Math.max(scale, Math.abs(y[i]!));
  }
  return worst / scale;
}

/** Seeded weights with non-zero biases (initialisation leaves them 0, which would hide a bias mix-up). */
function withBiases(params: Params, seed: number): Params {
  const rng = new SeededRandom(seed);
  for (const [name, t] of Object.entries(params)) {
    if (!name.endsWith('/bias')) continue;
    params[name] = tf.tensor(rng.normals(t.size).map((v) => 0.05 * v), t.shape, 'float32');
    t.dispose();
  }
  return params;
}

/** One stage's inputs, both ways: Magenta's at full resolution, ours at block `nb`'s. */
interface Case {
  nb: number;
  progress: number;
  dParams: Params;
  labels: tf.Tensor2D;
  fakePitches: tf.Tensor2D;
  mix: tf.Tensor4D;
  /** Magenta: blend_images of the reals and the generator's output, both 128×1024; D downscales inside. */
  realBlend: tf.Tensor4D;
  fakeFull: tf.Tensor4D;
  /** Ours: blendReal and the generator with outputBlocks = nb, at block nb's resolution. */
  realLow: tf.Tensor4D;
  fakeLow: tf.Tensor4D;
}

/** Per-example scores and class logits of reals and fakes. */
async function compareScores(c: Case): Promise<void> {
  for (const [what, low, full] of [['real', c.realLow, c.realBlend], ['fake', c.fakeLow, c.fakeFull]] as const) {
    const [oursScore, oursLogits, refScore, refLogits] = tf.tidy(() => {
      const ours = discriminatorForward(c.dParams, model, low, c.nb, c.progress);
      const ref = magentaD(c.dParams, full, c.nb, c.progress);
      return [ours.score, ours.classLogits, ref.score, ref.classLogits];
    });
    const e = [await relErr(oursScore!, refScore!), await relErr(oursLogits!, refLogits!)];
    assert.ok(e[0]! < TOLERANCE && e[1]! < TOLERANCE, `${what}: score error ${e[0]}, class-logit error ${e[1]}`);
    const scores = Array.from(await refScore!.data());
    const spread = (Math.max(...scores) - Math.min(...scores)) / Math.max(...scores.map(Math.abs));
    assert.ok(spread > 10 * TOLERANCE, `${what}: scores differ between examples (${scores}), so a per-example mix-up would show`);
    tf.dispose([oursScore!, oursLogits!, refScore!, refLogits!]);
  }
}

/** D's loss: every term, the penalty and its norm. */
async function compareDLoss(c: Case): Promise<void> {
  const terms: LossTerms = {};
  const ours = tf.tidy(() => discriminatorLoss(cfg, c.dParams, c.realLow, c.labels, c.fakeLow, c.mix, c.nb, c.progress, terms));
  const ref = tf.tidy(() => magentaDLoss(c.dParams, c.realBlend, c.labels, c.fakeFull, c.mix, c.nb, c.progress));
  for (const name of ['score_real', 'score_fake', 'd_wasserstein', 'gradient_penalty', 'gradient_norm', 'drift', 'ac_real_loss']) {
    const e = await relErr(terms[name]!, ref[name]!);
    assert.ok(e < TOLERANCE, `${name}: ours ${(await terms[name]!.data())[0]} vs Magenta ${(await ref[name]!.data())[0]} (error ${e})`);
  }
  assert.ok((await relErr(ours, ref.loss!)) < TOLERANCE, 'D loss');
  // The penalty is not trivially at its target: a wrong norm scale would move it.
  assert.ok(Math.abs((await ref.gradient_norm!.data())[0]! - 1) > 0.05, 'gradient norm is away from 1');
  tf.dispose([ours, ...Object.values(terms), ...Object.values(ref)]);
}

/** G's loss on the same fakes. */
async function compareGLoss(c: Case): Promise<void> {
  const terms: LossTerms = {};
  const ours = tf.tidy(() => generatorLoss(cfg, c.dParams, c.fakeLow, c.fakePitches, c.nb, c.progress, terms));
  const ref = tf.tidy(() => {
    const d = magentaD(c.dParams, c.fakeFull, c.nb, c.progress);
    const wasserstein = tf.neg(tf.mean(d.score));
    const ac = softmaxCrossEntropy(d.classLogits, c.fakePitches);
    return { wasserstein, ac, loss: tf.add(wasserstein, tf.mul(ac, cfg.generatorAcLossWeight)) };
  });
  assert.ok((await relErr(terms.g_wasserstein!, ref.wasserstein)) < TOLERANCE, 'g_wasserstein');
  assert.ok((await relErr(terms.ac_fake_loss!, ref.ac)) < TOLERANCE, 'ac_fake_loss');
  assert.ok((await relErr(ours, ref.loss)) < TOLERANCE, 'G loss');
  tf.dispose([ours, ...Object.values(terms), ...Object.values(ref)]);
}

/**
 * D's weight gradients (what training applies), the penalty's second-order path included. Magenta computes every
 * block's from_rgb and multiplies the unused ones by α = 0 (a zero gradient: a zero Adam step from fresh slots); ours
 * skips them (no gradient).
 */
async function compareDGradients(c: Case): Promise<void> {
  const vars = Object.fromEntries(Object.entries(c.dParams).map(([k, v]) => [k, tf.variable(v, true, `d-test-${c.nb}/${k}`)]));
  const varList = Object.values(vars);
  const terms: LossTerms = {};
  const ours = tf.variableGrads(() => discriminatorLoss(cfg, vars, c.realLow, c.labels, c.fakeLow, c.mix, c.nb, c.progress, terms), varList);
  const ref = tf.variableGrads(() => magentaDLoss(vars, c.realBlend, c.labels, c.fakeFull, c.mix, c.nb, c.progress).loss!, varList);
  let compared = 0;
  for (const v of varList) {
    const [a, b] = [ours.grads[v.name], ref.grads[v.name]];
    if (!a) {
      assert.ok(!b || (await b.data()).every((x) => x === 0), `${v.name}: no gradient in ours, zero in Magenta's`);
      continue;
    }
    assert.ok(b, `${v.name}: Magenta's has a gradient too`);
    const e = await relErr(a, b);
    assert.ok(e < 1e-3, `gradient of ${v.name}: error ${e}`);
    compared++;
  }
  // from_rgb of block nb (and nb−1 in a transition), conv0 and conv1 of blocks 1..nb, the two heads: kernel + bias each.
  const fromRgbs = Number.isInteger(c.progress) ? 1 : 2;
  assert.equal(compared, 2 * (fromRgbs + 2 * c.nb + 2), 'gradients compared');
  tf.dispose([ours.value, ref.value, ...Object.values(ours.grads), ...Object.values(ref.grads), ...Object.values(terms), ...varList]);
}

const STAGES = [
  { label: 'stable stage 2 (2 blocks, progress 1)', nb: 2, progress: 1, thorough: true },
  { label: 'transition stage 3 (3 blocks, progress 1.25)', nb: 3, progress: 1.25, thorough: true },
  // At 128×1024 each D pass takes seconds on tfjs-cpu (its weight gradients minutes): the D loss and its terms only.
  { label: 'last stage 12 (7 blocks, progress 6)', nb: 7, progress: 6, thorough: false },
];

for (const { label, nb, progress, thorough } of STAGES) {
  test(`D at block resolution with the rescaled penalty equals Magenta's full-resolution D: ${label}`, async () => {
    const dParams = withBiases(initDiscriminatorParams(model, 21), 22);
    const gParams = initGeneratorParams(model, 23, { allToRgb: true });
    const { features, pitches } = syntheticFeatures(model, BATCH, 24);
    // Per-example offsets: the synthetic notes of neighbouring pitches alone score almost alike at initialisation.
    const realFull = tf.tidy(() => tf.add(tf.tensor4d(features, [BATCH, model.spectral.frames, model.spectral.bins, model.colors]), tf.tensor4d([0.4, -0.4], [BATCH, 1, 1, 1]))) as tf.Tensor4D;
    const fakePitches = pitchesToOneHot([30, 80], model);
    const z = tf.tensor2d(new SeededRandom(25).normals(BATCH * model.latentSize), [BATCH, model.latentSize]);
    const inputs = [realFull, fakePitches, z, ...Object.values(gParams)];
    const leakCheck = tf.memory().numTensors;
    const fakeFull = generatorForward(gParams, model, z, fakePitches, { progress });
    const c: Case = {
      nb, progress, dParams, fakePitches,
      labels: pitchesToOneHot(pitches, model),
      mix: tf.tensor4d([0.2, 0.9], [BATCH, 1, 1, 1]),
      realBlend: tf.tidy(() => magentaBlend(realFull, nb, progress)),
      fakeFull,
      realLow: blendReal(realFull, cfg, nb, progress),
      // At the last stage block nb's resolution is the full one: the same fakes (G at 128×1024 takes seconds here).
      fakeLow: nb === N ? tf.clone(fakeFull) : generatorForward(gParams, model, z, fakePitches, { progress, outputBlocks: nb }),
    };
    assert.equal(c.fakeLow.shape[1], model.startShape[0] * model.scaleBase ** (nb - 1), 'ours runs at block resolution');
    if (thorough) await compareScores(c);
    await compareDLoss(c);
    if (thorough) {
      await compareGLoss(c);
      await compareDGradients(c);
    }
    tf.dispose([c.labels, c.mix, c.realBlend, c.fakeFull, c.realLow, c.fakeLow]);
    assert.equal(tf.memory().numTensors, leakCheck, 'no tensor leaks');
    tf.dispose([...inputs, ...Object.values(dParams)]);
  });
}
