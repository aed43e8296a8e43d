/**
 * Training on the CPU backend with the tiny test config: the gradient penalty's second-order gradient against
 * finite differences, a few steps that move the losses and every weight of the active blocks (and no other),
 * and the progressive schedule against Magenta's formulas.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { discriminatorParamSpecs, initDiscriminatorParams } from '../src/model/discriminator.ts';
import { discriminatorLoss } from '../src/train/losses.ts';
import { computeProgress, stageAt, stageBatchSize, stageEndImages } from '../src/train/schedule.ts';
import { PAPER_TRAIN, QUICK_TRAIN } from '../src/train/configs.ts';
import { Trainer } from '../src/train/trainer-loop.ts';
import { TEST_MODEL, cpuTraining, testData, testTrainConfig } from './train-fixtures.ts';

before(cpuTraining);

test('schedule matches Magenta train_util / compute_progress', () => {
  // mel_prog_hires: 13 stages of 800k images; stage 1 (transition to block 2) ends at 1.6M.
  assert.equal(stageEndImages(PAPER_TRAIN, 0), 800_000);
  assert.equal(stageEndImages(PAPER_TRAIN, 1), 1_600_000);
  assert.equal(stageEndImages(PAPER_TRAIN, 12), 11_000_000);
  assert.deepEqual(stageAt(PAPER_TRAIN, 1_200_000), { stage: 1, numBlocks: 2, batchSize: 8, progress: 0.5, stageEndImages: 1_600_000 });
  assert.equal(stageAt(PAPER_TRAIN, 10_500_000).progress, 6);
  assert.equal(computeProgress(PAPER_TRAIN, 10_000_000, 7), 6);
  // quick test: batch schedule [16, 8] padded at the front → 16 until the last resolution's stages.
  assert.equal(stageBatchSize(QUICK_TRAIN, 0), 16);
  assert.equal(stageBatchSize(QUICK_TRAIN, 10), 16);
  assert.equal(stageBatchSize(QUICK_TRAIN, 11), 8);
});

test('gradient penalty: second-order gradient w.r.t. D weights matches finite differences', async () => {
  const cfg = testTrainConfig();
  const params = initDiscriminatorParams(TEST_MODEL, 5);
  const vars = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, tf.variable(v)]));
  const real = tf.randomNormal([2, 4, 32, 2], 0, 0.5, 'float32', 1) as tf.Tensor4D;
  const fake = tf.randomNormal([2, 4, 32, 2], 0, 0.5, 'float32', 2) as tf.Tensor4D;
  const labels = tf.oneHot(tf.tensor1d([0, 3], 'int32'), 4) as tf.Tensor2D;
  const mix = tf.tensor4d([0.3, 0.8], [2, 1, 1, 1]);
  // Only the penalty term: weights 0 elsewhere, so the check is about the second-order path.
  const gpOnly = { ...cfg, realScorePenaltyWeight: 0, discriminatorAcLossWeight: 0 };
  const loss = () => tf.tidy(() => {
    const terms = {};
    const l = discriminatorLoss(gpOnly, vars, real, labels, fake, mix, 2, 0.5, terms);
    const out = tf.mul((terms as Record<string, tf.Scalar>).gradient_penalty!, 10) as tf.Scalar;
    tf.dispose(Object.values(terms));
    return tf.add(out, tf.mul(l, 0)) as tf.Scalar;
  });
  // The penalty depends on D's input gradient, which is piecewise constant in the leaky-ReLU masks: weights that
  // feed many units (from_rgb, 3×3 convs) make finite differences jump across kinks. The dense logits kernel and
  // block 1's last conv move few masks, and d(penalty)/d(them) still needs the full second-order path through
  // every conv (Conv2DBackpropInput's own gradient).
  loss().dispose(); // warm-up: tfjs caches a few constants on first use
  const before = tf.memory().numTensors;
  const setTo = (v: tf.Variable, values: Float32Array) => tf.tidy(() => v.assign(tf.tensor(values, v.shape)));
  const eps = 0.05;
  for (const layer of ['progressive_gan_block_1/logits/dense/kernel', 'progressive_gan_block_1/conv1/conv2d/kernel']) {
    const name = discriminatorParamSpecs(TEST_MODEL).find((s) => s.name.endsWith(layer))!.name;
    const v = vars[name]!;
    const { value, grads } = tf.variableGrads(loss, [v]);
    const analytic = (await grads[v.name]!.data()) as Float32Array;
    const base = Float32Array.from(await v.data());
    for (const idx of [0, 1, 3, 7]) {
      const at = async (delta: number) => {
        const p = Float32Array.from(base);
        p[idx]! += delta;
        setTo(v, p);
        const l = loss();
        const x = (await l.data())[0]!;
        l.dispose();
        return x;
      };
      const fd = ((await at(eps)) - (await at(-eps))) / (2 * eps);
      setTo(v, base);
      assert.ok(Math.abs(fd - analytic[idx]!) <= 0.1 * Math.abs(fd) + 1e-4, `${layer}[${idx}]: finite difference ${fd} vs analytic ${analytic[idx]}`);
    }
    assert.ok(analytic.some((x) => Math.abs(x) > 1e-3), `${layer}: gradient is not trivially zero`);
    assert.ok((await value.data())[0]! > 0, 'penalty is positive');
    tf.dispose([value, ...Object.values(grads)]);
  }
  assert.equal(tf.memory().numTensors - before, 0, 'no tensor leak');
  tf.dispose([real, fake, labels, mix]);
  tf.dispose(Object.values(vars));
});

test('two steps in a transition stage move the losses and every active weight, and only those', async () => {
  const cfg = testTrainConfig(4);
  const trainer = Trainer.create(cfg, 3, testData());
  trainer.imageId = 6; // stage 1: transition to block 2, progress 0.5
  const snapshot = async (vars: Record<string, tf.Tensor>) => Object.fromEntries(await Promise.all(Object.entries(vars).map(async ([k, t]) => [k, Float32Array.from(await t.data())] as const)));
  const g0 = await snapshot(trainer.g);
  const d0 = await snapshot(trainer.d);
  const ema0 = await snapshot(trainer.ema.shadows);
  const m1 = await trainer.trainStep();
  const m2 = await trainer.trainStep();
  assert.equal(m1.stage, 1);
  assert.equal(m1.progress, 0.5);
  assert.equal(m2.stage, 2, 'image 8 starts stage 2 (stable, 2 blocks)');
  for (const k of ['g_loss', 'd_loss', 'gradient_penalty', 'ac_real_loss', 'ac_fake_loss']) {
    assert.ok(Number.isFinite(m1[k]!) && Number.isFinite(m2[k]!), `${k} finite`);
    assert.notEqual(m1[k], m2[k], `${k} changed between steps`);
  }
  const differs = (a: Float32Array, b: Float32Array) => a.some((x, i) => x !== b[i]);
  const active = (name: string) => /progressive_gan_block_[12]\//.test(name) || !name.includes('progressive_gan_block_');
  const g1 = await snapshot(trainer.g);
  const d1 = await snapshot(trainer.d);
  const ema1 = await snapshot(trainer.ema.shadows);
  for (const [name, before] of [...Object.entries(g0), ...Object.entries(d0)]) {
    const after = g1[name] ?? d1[name]!;
    if (active(name)) assert.ok(differs(before, after), `${name} (active) changed`);
    else assert.ok(!differs(before, after), `${name} (not grown yet) untouched`);
  }
  for (const [name, before] of Object.entries(ema0)) {
    if (active(name)) assert.ok(differs(before, ema1[name]!), `EMA of ${name} moved`);
    else assert.ok(!differs(before, ema1[name]!), `EMA of ${name} (not grown yet) untouched`);
  }
  trainer.dispose();
});
