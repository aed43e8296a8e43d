/**
 * Export → engine: a short run's EMA generator, exported as a model directory, loads through the engine's
 * loadModel and renders audio (generatorForward + featuresToWaves) that is finite and 4 s long; the exported
 * weights are the checkpoint's EMA shadows. The report command writes its page from the same run.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { MAGENTA_NORMALIZATION } from 'gansynth-web/shared/model-config';
import { generatorForward, generatorParamSpecs, pitchesToOneHot } from 'gansynth-web/engine/generator';
import { disposeSpectralCache, featuresToWaves } from 'gansynth-web/engine/spectral';
import { loadModelFromDisk } from 'gansynth-web/node/model-io';
import { SeededRandom } from 'gansynth-web/shared/random';
import { exportRun } from '../src/commands/export.ts';
import { writeReport } from '../src/commands/report.ts';
import { latestCheckpoint, loadCheckpoint } from '../src/train/checkpoint.ts';
import { runTraining } from '../src/train/run.ts';
import { cpuTraining, testData, testTrainConfig } from './train-fixtures.ts';

const root = mkdtempSync(join(tmpdir(), 'gansynth-export-'));
before(cpuTraining);
after(() => rmSync(root, { recursive: true, force: true }));

test('export → loadModel → render; report page', async () => {
  const runDir = join(root, 'run');
  const cfg = testTrainConfig(4);
  await runTraining({ runDir, cfg, seed: 4, data: testData(), dataLabel: 'synthetic', normalization: MAGENTA_NORMALIZATION, targetSteps: 2, checkpointEverySteps: 1, keep: 3 });
  const out = join(root, 'models', 'tiny-test');
  const files = await exportRun(runDir, out, { name: 'tiny-test' });
  assert.ok(files.includes('model.json') && files.includes('weights_manifest.json'));

  const model = await loadModelFromDisk(out);
  assert.equal(model.format, 'gansynth-web/1');
  assert.deepEqual(model.config, cfg.model);
  assert.equal((model.meta.training as Record<string, unknown>).steps, 2);
  const { tensors } = loadCheckpoint(latestCheckpoint(runDir)!);
  for (const s of generatorParamSpecs(cfg.model)) {
    assert.deepEqual(await model.params[s.name]!.data(), await tensors.ema![s.name]!.data(), `${s.name} is the EMA weight`);
  }
  for (const g of Object.values(tensors)) tf.dispose(Object.values(g));

  disposeSpectralCache();
  const before = tf.memory().numTensors;
  const z = tf.tensor2d(new SeededRandom(1).normals(2 * cfg.model.latentSize), [2, cfg.model.latentSize]);
  const onehot = pitchesToOneHot([60, 63], cfg.model);
  const features = generatorForward(model.params, cfg.model, z, onehot);
  const waves = featuresToWaves(features, cfg.model.spectral, model.normalization);
  assert.deepEqual(waves.shape, [2, 64000]);
  const audio = (await waves.data()) as Float32Array;
  assert.ok(audio.every(Number.isFinite), 'finite audio');
  assert.ok(audio.some((x) => x !== 0), 'not silent');
  tf.dispose([z, onehot, features, waves]);
  disposeSpectralCache(); // the engine caches its mel/window constants by design
  assert.equal(tf.memory().numTensors, before, 'no tensor leak');
  model.dispose();

  const index = await writeReport(runDir);
  const html = readFileSync(index, 'utf8');
  assert.match(html, /<svg/);
  assert.match(html, /step 2 — 4 images/);
  const png = readFileSync(join(root, 'run', 'report', 'step2-pitch60-mag.png'));
  assert.deepEqual([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
  assert.ok(existsSync(join(root, 'run', 'report', 'step2-pitch63.wav')));
});
