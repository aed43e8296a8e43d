/**
 * Weight loading: round trip through saveModelDir, Magenta's checkpoint layout (EMA names, paper config, no
 * model.json, Python to_rgb scale unless asked otherwise), seeded-untrained models (models/default), and precise
 * errors for broken directories. Quantised forms: weights-formats.test.ts; served failures: weights-errors.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { PAPER_CONFIG, TINY_CONFIG } from '../../src/shared/model-config.ts';
import { EMA_SUFFIX, generatorParamSpecs, initGeneratorParams } from '../../src/engine/generator.ts';
import { loadModelFromDisk, saveModelDir } from '../../src/node/model-io.ts';
import { MAGENTA_JS_TO_RGB_HE_SLOPE, MAGENTA_TO_RGB_HE_SLOPE } from '../../src/engine/weights.ts';

await tf.setBackend('cpu');
const ROOT = resolve(import.meta.dirname, '../..');
const OUT = join(ROOT, '.test-out/weights');
rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });

async function assertSameParams(a: Record<string, tf.Tensor>, b: Record<string, tf.Tensor>): Promise<void> {
  assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort());
  for (const k of Object.keys(a)) {
    assert.deepEqual(a[k]!.shape, b[k]!.shape, k);
    assert.deepEqual(await a[k]!.data(), await b[k]!.data(), k);
  }
}

/** A tiny model directory (fresh per test) to break in various ways. */
async function tinyDir(name: string, seed = 5): Promise<string> {
  const dir = join(OUT, name);
  const params = initGeneratorParams(TINY_CONFIG, seed);
  await saveModelDir(dir, { config: TINY_CONFIG, params, meta: { name } });
  tf.dispose(Object.values(params));
  return dir;
}

test('saveModelDir → loadModel round trip (tiny) is exact, with config, normalisation, meta and byte progress', async () => {
  const before = tf.memory().numTensors;
  const params = initGeneratorParams(TINY_CONFIG, 42);
  const dir = join(OUT, 'roundtrip');
  const files = await saveModelDir(dir, { config: TINY_CONFIG, params, meta: { name: 'tiny rt', training: { steps: 3 } } });
  assert.deepEqual(files.sort(), ['group1-shard1of1.bin', 'model.json', 'weights_manifest.json']);
  const progress: [number, number][] = [];
  const model = await loadModelFromDisk(dir, { onProgress: (loaded, total) => progress.push([loaded, total]) });
  assert.equal(model.format, 'gansynth-web/1');
  assert.deepEqual(model.config, TINY_CONFIG);
  assert.deepEqual(model.normalization, TINY_CONFIG.normalization);
  assert.equal(model.meta.name, 'tiny rt');
  assert.deepEqual(model.meta.training, { steps: 3 });
  assert.equal(model.meta.untrained, undefined);
  assert.deepEqual(progress, [[0, 86_290 * 4], [86_290 * 4, 86_290 * 4]], 'one shard, read at once from disk');
  assert.equal(model.meta.toRgbHeSlope, undefined, 'our model says nothing: the generator default (0)');
  await assertSameParams(model.params, params);
  model.dispose();
  tf.dispose(Object.values(params));
  assert.equal(tf.memory().numTensors, before, 'no leaks');
});

test('Magenta checkpoint layout: only weights_manifest.json, EMA names, several shards → paper config', async () => {
  const before = tf.memory().numTensors;
  const params = initGeneratorParams(PAPER_CONFIG, 9);
  const dir = join(OUT, 'magenta-layout');
  await saveModelDir(dir, { config: PAPER_CONFIG, params }, { magentaLayout: true });
  const names = readdirSync(dir);
  assert.ok(!names.includes('model.json'));
  assert.equal(names.filter((n) => n.endsWith('.bin')).length, 7, '29.2 MB in 4 MiB shards');
  const manifest = JSON.parse(readFileSync(join(dir, 'weights_manifest.json'), 'utf8'));
  assert.ok(manifest[0].weights.every((w: { name: string }) => w.name.endsWith(EMA_SUFFIX)));
  const model = await loadModelFromDisk(dir);
  assert.equal(model.format, 'magenta');
  assert.equal(model.config.name, 'paper');
  assert.deepEqual(model.normalization, { magA: 0.0661371661726, magB: 0.113718730221, ifA: 0.8, ifB: 0 });
  assert.equal(model.meta.toRgbHeSlope, MAGENTA_TO_RGB_HE_SLOPE, "Magenta's Python to_rgb scale sqrt(1/fan_in)");
  assert.equal(MAGENTA_TO_RGB_HE_SLOPE, 1);
  await assertSameParams(model.params, params);
  model.dispose();
  const compat = await loadModelFromDisk(dir, { toRgbHeSlope: MAGENTA_JS_TO_RGB_HE_SLOPE });
  assert.equal(compat.meta.toRgbHeSlope, 0, "magenta-js's sqrt(2/fan_in) on request");
  compat.dispose();
  await assert.rejects(loadModelFromDisk(dir, { toRgbHeSlope: Number.NaN }), /toRgbHeSlope must be a finite number/);
  tf.dispose(Object.values(params));
  assert.equal(tf.memory().numTensors, before, 'no leaks');
});

test('models/default is the seeded-untrained paper model and says so', async () => {
  const model = await loadModelFromDisk(join(ROOT, 'models/default'));
  assert.equal(model.meta.untrained, true);
  assert.equal(model.meta.seed, 1);
  assert.equal(model.config.name, 'paper');
  const expected = initGeneratorParams(PAPER_CONFIG, 1);
  const k = generatorParamSpecs(PAPER_CONFIG)[2]!.name;
  assert.deepEqual(await model.params[k]!.data(), await expected[k]!.data());
  assert.equal(Object.keys(model.params).length, 30);
  model.dispose();
  tf.dispose(Object.values(expected));
});

test('precise errors: missing variable, wrong shape, wrong dtype', async () => {
  const before = tf.memory().numTensors;
  const dir = await tinyDir('bad-manifest');
  const path = join(dir, 'weights_manifest.json');
  const good = readFileSync(path, 'utf8');
  const edit = (f: (ws: { name: string; shape: number[]; dtype: string }[]) => void) => {
    const m = JSON.parse(good);
    f(m[0].weights);
    writeFileSync(path, JSON.stringify(m));
  };
  const conv1 = 'Generator/progressive_gan_generator/progressive_gan_block_3/conv1/conv2d/kernel';
  edit((ws) => ws.splice(ws.findIndex((w) => w.name === conv1), 1));
  await assert.rejects(loadModelFromDisk(dir), (e: Error) => e.message.includes('weights_manifest.json') &&
    e.message.includes(`missing variable "${conv1}"`) && e.message.includes('[3, 3, 8, 8]'));
  edit((ws) => { ws.find((w) => w.name === conv1)!.shape = [3, 3, 8, 4]; });
  await assert.rejects(loadModelFromDisk(dir), new RegExp(`"${conv1}" has shape \\[3, 3, 8, 4\\], expected \\[3, 3, 8, 8\\]`));
  edit((ws) => { ws.find((w) => w.name === conv1)!.dtype = 'int32'; });
  await assert.rejects(loadModelFromDisk(dir), new RegExp(`"${conv1}" has dtype int32, expected float32`));
  edit((ws) => { ws.find((w) => w.name === conv1)!.dtype = 'complex64'; });
  await assert.rejects(loadModelFromDisk(dir), /unsupported dtype "complex64"/);
  assert.equal(tf.memory().numTensors, before, 'nothing allocated on failure');
});

test('precise errors: truncated or missing .bin names the shard, its bytes and the first short variable', async () => {
  const before = tf.memory().numTensors;
  const dir = await tinyDir('truncated');
  const bin = join(dir, 'group1-shard1of1.bin');
  const fullBytes = readFileSync(bin).byteLength;
  assert.equal(fullBytes, 86_290 * 4);
  truncateSync(bin, 1000);
  await assert.rejects(loadModelFromDisk(dir), (e: Error) =>
    e.message.includes(`shards hold 1000 bytes but the manifest's 30 variables need ${fullBytes} bytes`) &&
    e.message.includes('truncated from variable "Generator/progressive_gan_generator/progressive_gan_block_1/conv0/conv2d/kernel"') &&
    e.message.includes('group1-shard1of1.bin (1000 bytes)'));
  rmSync(bin);
  await assert.rejects(loadModelFromDisk(dir), /group1-shard1of1\.bin: HTTP 404/);
  assert.equal(tf.memory().numTensors, before);
});

test('precise errors: bad model.json and an empty directory', async () => {
  const dir = await tinyDir('bad-model-json');
  const path = join(dir, 'model.json');
  const good = JSON.parse(readFileSync(path, 'utf8'));
  writeFileSync(path, '{"format": "gansynth-web/1",');
  await assert.rejects(loadModelFromDisk(dir), /model\.json: not valid JSON/);
  writeFileSync(path, JSON.stringify({ ...good, format: 'gansynth-web/2' }));
  await assert.rejects(loadModelFromDisk(dir), /model\.json: format must be "gansynth-web\/1", got "gansynth-web\/2"/);
  writeFileSync(path, JSON.stringify({ ...good, config: { ...good.config, filters: [8, 8, 0] } }));
  await assert.rejects(loadModelFromDisk(dir), /model\.json: invalid model config: filters\[2\] must be a positive integer/);
  writeFileSync(path, JSON.stringify({ ...good, config: 'huge' }));
  await assert.rejects(loadModelFromDisk(dir), /config "huge" is not one of paper, small, tiny/);
  writeFileSync(path, JSON.stringify({ ...good, weightsManifest: undefined }));
  await assert.rejects(loadModelFromDisk(dir), /needs "weightsManifest"/);
  const empty = join(OUT, 'empty');
  mkdirSync(empty, { recursive: true });
  await assert.rejects(loadModelFromDisk(empty), /neither model\.json nor weights_manifest\.json found/);
});
