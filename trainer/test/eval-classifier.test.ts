import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { useNodeBackend } from 'gansynth-web/node/backends';
import { renderSoundfontNote } from '../src/data/soundfont.ts';
import { GANSYNTH_SPECTRAL, MAGENTA_NORMALIZATION } from 'gansynth-web/shared/model-config';
import { SeededRandom } from 'gansynth-web/shared/random';
import { classify, DEFAULT_CLASSIFIER_CONFIG, initClassifierParams, trainClassifier } from '../src/eval/pitch-classifier.ts';
import { loadClassifier, pooledInputs, readClassifierInfo, saveClassifier, stackPooled } from '../src/eval/classifier-io.ts';
import { pitchAccuracy } from '../src/eval/metrics.ts';
import { registerTrainingGradients } from '../src/train/gradients.ts';

test('the pitch classifier learns pitch from real SoundFont notes and generalises to an unseen instrument', async () => {
  // Features on wasm (≈ 30× faster than tfjs-cpu here); training on cpu (wasm has no Conv2DBackpropFilter).
  await useNodeBackend('wasm');
  await registerTrainingGradients();
  const c = DEFAULT_CLASSIFIER_CONFIG;
  const pitches = [36, 43, 48, 55, 60, 67];
  const trainPrograms = [0, 24, 40]; // piano, nylon guitar, violin
  const heldOutProgram = 19; // church organ: never seen in training
  const render = (program: number, pitch: number) =>
    renderSoundfontNote({ program, pitch, velocity: 100, heldSec: 1.5, releaseSec: 0.5 });
  const trainWaves: Float32Array[] = [];
  const trainLabels: number[] = [];
  for (const program of trainPrograms) {
    for (const pitch of pitches) {
      trainWaves.push(await render(program, pitch));
      trainLabels.push(pitch - c.pitchMin);
    }
  }
  const testWaves = await Promise.all(pitches.map((p) => render(heldOutProgram, p)));
  const testLabels = pitches.map((p) => p - c.pitchMin);
  const trainX = await pooledInputs(trainWaves, GANSYNTH_SPECTRAL, MAGENTA_NORMALIZATION, c);
  const testX = await pooledInputs(testWaves, GANSYNTH_SPECTRAL, MAGENTA_NORMALIZATION, c);
  await useNodeBackend('cpu');
  const before = tf.memory().numTensors;

  const params = initClassifierParams(c, 1);
  const rng = new SeededRandom(2);
  const order = trainX.map((_, i) => i);
  const losses = await trainClassifier(
    params,
    c,
    () => {
      const idx = rng.shuffle([...order]).slice(0, 9);
      return { pooled: stackPooled(idx.map((i) => trainX[i]!), c), labels: idx.map((i) => trainLabels[i]!) };
    },
    { steps: 60, learningRate: 1e-3 },
  );
  assert.ok(losses.at(-1)! < losses[0]! / 4, `loss ${losses[0]} → ${losses.at(-1)}`);

  const evalAcc = async (p: Record<string, tf.Tensor>, xs: Float32Array[], labels: number[]) => {
    const input = stackPooled(xs, c);
    const { probs, penultimate } = await classify(p, c, input);
    input.dispose();
    assert.equal(penultimate[0]!.length, c.hidden);
    return pitchAccuracy(probs, labels).value;
  };
  assert.equal(await evalAcc(params, trainX, trainLabels), 1);
  const heldOut = await evalAcc(params, testX, testLabels);
  assert.ok(heldOut >= 4 / 6, `held-out instrument accuracy ${heldOut}`);

  // Save → load gives the same predictions.
  const dir = mkdtempSync(join(process.cwd(), '.test-out-classifier-'));
  try {
    await saveClassifier(dir, params, { config: c, spectral: GANSYNTH_SPECTRAL, normalization: MAGENTA_NORMALIZATION, heldOutAccuracy: heldOut });
    const loaded = loadClassifier(dir);
    assert.equal(loaded.info.heldOutAccuracy, heldOut);
    assert.equal(await evalAcc(loaded.params, testX, testLabels), heldOut);
    Object.values(loaded.params).forEach((t) => t.dispose());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  Object.values(params).forEach((v) => v.dispose());
  assert.equal(tf.memory().numTensors, before);
});

test('the conv classifier (--conv-channels): gradients reach the conv kernels, the loss falls, it round-trips', async () => {
  // One 2-channel block: tfjs-cpu's conv backprop costs ~2.5 s per step for [4, 8] on 8 notes here, so this checks
  // the path (training, saving, loading) rather than how well a conv net does.
  await useNodeBackend('wasm');
  await registerTrainingGradients();
  const c = { ...DEFAULT_CLASSIFIER_CONFIG, channels: [2] };
  const pitches = [36, 48, 60, 72];
  const waves: Float32Array[] = [];
  const labels: number[] = [];
  for (const program of [0, 24]) {
    for (const pitch of pitches) {
      waves.push(await renderSoundfontNote({ program, pitch, velocity: 100, heldSec: 1, releaseSec: 0.25 }));
      labels.push(pitch - c.pitchMin);
    }
  }
  const xs = await pooledInputs(waves, GANSYNTH_SPECTRAL, MAGENTA_NORMALIZATION, c);
  await useNodeBackend('cpu');
  const params = initClassifierParams(c, 3);
  assert.deepEqual(params['conv0/kernel']!.shape, [3, 5, 1, 2]);
  const kernel0 = params['conv0/kernel']!.dataSync().slice();
  const losses = await trainClassifier(params, c, () => ({ pooled: stackPooled(xs, c), labels }), { steps: 15, learningRate: 1e-3 });
  assert.ok(losses.at(-1)! < 0.7 * losses[0]!, `loss ${losses[0]} → ${losses.at(-1)}`);
  const after = params['conv0/kernel']!.dataSync();
  let moved = 0;
  for (let i = 0; i < after.length; i++) moved = Math.max(moved, Math.abs(after[i]! - kernel0[i]!));
  assert.ok(moved > 1e-4, `conv kernel moved by ${moved}`);
  const dir = mkdtempSync(join(process.cwd(), '.test-out-classifier-'));
  try {
    await saveClassifier(dir, params, { config: c, spectral: GANSYNTH_SPECTRAL, normalization: MAGENTA_NORMALIZATION });
    assert.deepEqual(readClassifierInfo(dir).config.channels, [2]);
    const loaded = loadClassifier(dir);
    const input = stackPooled(xs, c);
    const a = await classify(params, c, input);
    const b = await classify(loaded.params, loaded.info.config, input);
    input.dispose();
    assert.deepEqual(b.probs, a.probs);
    Object.values(loaded.params).forEach((t) => t.dispose());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  Object.values(params).forEach((v) => v.dispose());
});
