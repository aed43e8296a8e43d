import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { useNodeBackend } from '../../src/node/backends.ts';
import { renderSoundfontNote } from '../../src/node/soundfont.ts';
import { GANSYNTH_SPECTRAL, MAGENTA_NORMALIZATION } from '../../src/shared/model-config.ts';
import { SeededRandom } from '../../src/shared/random.ts';
import { classify, DEFAULT_CLASSIFIER_CONFIG, initClassifierParams, trainClassifier } from '../src/eval/pitch-classifier.ts';
import { loadClassifier, pooledInputs, saveClassifier, stackPooled } from '../src/eval/classifier-io.ts';
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
