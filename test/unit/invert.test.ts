/**
 * Sound → preset (src/engine/invert.ts) on tfjs-wasm: a note rendered from a known latent of a seeded `tiny` and
 * `small` model is inverted from random starts. Checked: the loss falls and the returned note is closer to the target
 * than the starts were; the latent is a valid preset; progress per step; cancel; no tensor left behind. The distance
 * of the recovered note and of a fresh random latent to the target are printed (the ratio the issue asks to state).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { useNodeBackend } from '../../src/node/backends.ts';
import { type ModelConfig, SMALL_CONFIG, TINY_CONFIG } from '../../src/shared/model-config.ts';
import { initGeneratorParams } from '../../src/engine/generator.ts';
import type { LoadedModel } from '../../src/engine/weights.ts';
import { NoteRenderer } from '../../src/engine/renderer.ts';
import { randomLatent } from '../../src/engine/latent.ts';
import { presetFromLatent } from '../../src/engine/presets.ts';
import { type InversionTarget, prepareInversionTarget } from '../../src/engine/invert-target.ts';
import { type InversionProgress, invertSound, latentDistancesDb } from '../../src/engine/invert.ts';

function seededModel(config: ModelConfig, seed: number): LoadedModel {
  const params = initGeneratorParams(config, seed);
  return { config, normalization: config.normalization, params, meta: {}, format: 'gansynth-web/1', dispose: () => tf.dispose(Object.values(params)) };
}

/** The note of `latent` at `pitch`, as `gansynth generate` renders it (16 kHz), prepared as a WAV's would be. */
async function renderedTarget(model: LoadedModel, latent: Float32Array, pitch: number): Promise<InversionTarget> {
  const renderer = new NoteRenderer({ model, sampleRateHz: 16000, backend: 'current' });
  await renderer.initialize();
  const [samples] = await renderer.renderNotes([{ latent, pitch }], 16000);
  renderer.dispose();
  // Untrained notes are noise: YIN finds no pitch in them, so the test names it, as the file name of a rendered note does.
  return prepareInversionTarget({ sampleRateHz: 16000, channels: [samples!] }, model.config, { source: `gansynth-p${pitch}-s100.wav` });
}

let tiny: LoadedModel;

before(async () => {
  await useNodeBackend('wasm');
  tiny = seededModel(TINY_CONFIG, 11);
});

after(() => tiny.dispose());

async function checkInversion(model: LoadedModel, steps: number, starts: number): Promise<void> {
  const truth = randomLatent(100);
  const target = await renderedTarget(model, truth, 60);
  assert.equal(target.pitchSource, 'file name');
  await latentDistancesDb(model, target, [truth]); // fills the spectral ops' constant cache before counting tensors
  const tensors = tf.memory().numTensors;
  const progress: InversionProgress[] = [];
  const t0 = performance.now();
  const result = await invertSound(model, target, { steps, starts, seed: 500, onStep: (p) => progress.push(p) });
  const seconds = (performance.now() - t0) / 1000;
  assert.equal(tf.memory().numTensors, tensors, 'tensors after the inversion');
  assert.deepEqual(progress.map((p) => p.step), Array.from({ length: steps + 1 }, (_, i) => i));
  assert.ok(progress.every((p) => p.lossPerStart.length === starts && p.steps === steps));
  assert.equal(result.lossHistory.length, steps + 1);
  assert.ok(result.lossHistory.at(-1)! < result.lossHistory[0]!, `loss falls: ${result.lossHistory.map((l) => l.toFixed(4)).join(' → ')}`);
  assert.ok(result.spectralDistanceDb < result.startDistanceDb, `closer than the starts: ${result.spectralDistanceDb} vs ${result.startDistanceDb} dB`);
  assert.equal(result.pitch, 60);
  assert.equal(result.latent.length, model.config.latentSize);
  assert.ok(result.latent.every(Number.isFinite));
  presetFromLatent('recovered', result.latent); // throws unless a valid preset
  const [truthDb, randomDb, recoveredDb] = await latentDistancesDb(model, target, [truth, randomLatent(9999), result.latent]);
  assert.ok(truthDb! < 0.01, `the true latent re-renders the target: ${truthDb} dB`);
  assert.ok(Math.abs(recoveredDb! - result.spectralDistanceDb) < 1, `reported distance ${result.spectralDistanceDb} vs re-measured ${recoveredDb}`);
  console.log(
    `# ${model.config.name}: ${starts} starts × ${steps} steps in ${seconds.toFixed(1)} s; distance to the target: recovered ` +
    `${recoveredDb!.toFixed(2)} dB, starts ${result.startDistanceDb.toFixed(2)} dB, a random latent ${randomDb!.toFixed(2)} dB, ` +
    `ratio random/recovered ${(randomDb! / recoveredDb!).toFixed(2)}`,
  );
}

test('tiny: inverting a rendered note from random starts lowers the loss, no tensors left', async () => {
  await checkInversion(tiny, 8, 2);
});

test('small: inverting a rendered note from a random start lowers the loss', async () => {
  const small = seededModel(SMALL_CONFIG, 12);
  try {
    await checkInversion(small, 2, 1);
  } finally {
    small.dispose();
  }
});

test('cancel: an aborted inversion rejects with AbortError between steps and frees its tensors; options are checked', async () => {
  const target = await renderedTarget(tiny, randomLatent(3), 48);
  const tensors = tf.memory().numTensors;
  const controller = new AbortController();
  let seen = 0;
  await assert.rejects(
    invertSound(tiny, target, { steps: 50, starts: 1, signal: controller.signal, onStep: () => (++seen === 2 ? controller.abort() : undefined) }),
    (e: Error) => e.name === 'AbortError',
  );
  assert.equal(seen, 2, 'stopped at the step after the abort');
  assert.equal(tf.memory().numTensors, tensors, 'tensors after the abort');
  await assert.rejects(invertSound(tiny, target, { starts: 0 }), /starts must be an integer in 1\.\.256, got 0/);
  await assert.rejects(invertSound(tiny, target, { initialLatents: [new Float32Array(3)] }), /initialLatents\[0\] must be a Float32Array of 256/);
  assert.equal(tf.memory().numTensors, tensors);
});
