/**
 * What tfjs's converter writes, through our loader: float32, float16 and uint8/uint16 affine-quantised weights,
 * one shard or many, several groups with arbitrary names (shards in subfolders, a group the generator does not
 * need), each loaded with loadModel and compared to the seeded originals within the form's error bound; every
 * value comes back as a float32 tensor. Also the half-float encoder against tfjs's decoder, and byte progress.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { TINY_CONFIG } from '../../src/shared/model-config.ts';
import { type ManifestGroup, WEIGHTS_MANIFEST_JSON } from '../../src/engine/model-format.ts';
import {
  type WeightQuantization, affineErrorBound, float16Bits, float16ErrorBound, quantizeAffine,
} from '../../src/engine/weight-quantization.ts';
import { loadModel } from '../../src/engine/weights.ts';
import { MemoryServer, seededModelFiles } from './support/model-server.ts';

await tf.setBackend('cpu');
const DIR = 'http://models.test/tiny';
/** TINY_CONFIG's 86,290 parameters as float32. */
const TINY_FLOAT32_BYTES = 86_290 * 4;

/** Each loaded value within the bound its manifest entry allows; returns the largest error seen. */
async function assertWithinBound(loaded: Record<string, tf.Tensor>, original: Record<string, tf.Tensor>, manifest: ManifestGroup[], form: string): Promise<number> {
  let worst = 0;
  const entries = manifest.flatMap((g) => g.weights);
  for (const [name, t] of Object.entries(original)) {
    const got = loaded[name];
    assert.ok(got, `${form}: ${name} loaded`);
    assert.equal(got.dtype, 'float32', `${form}: ${name} is float32`);
    assert.deepEqual(got.shape, t.shape, `${form}: ${name} shape`);
    const q = entries.find((e) => e.name === name)!.quantization;
    const a = await got.data();
    const b = await t.data();
    for (let i = 0; i < b.length; i++) {
      const err = Math.abs(a[i]! - b[i]!);
      // Half a quantisation step, plus float32 rounding of the dequantised value.
      const bound: number = !q ? 0 : q.dtype === 'float16' ? float16ErrorBound(b[i]!) : affineErrorBound(q) * (1 + 1e-6) + Math.abs(b[i]!) * 2 ** -23;
      if (err > bound) assert.fail(`${form}: ${name}[${i}] = ${a[i]}, original ${b[i]}, error ${err} > bound ${bound}`);
      worst = Math.max(worst, err);
    }
  }
  return worst;
}

const FORMS: { quantize?: WeightQuantization; bytesPerValue: number }[] = [
  { bytesPerValue: 4 }, { quantize: 'float16', bytesPerValue: 2 }, { quantize: 'uint8', bytesPerValue: 1 }, { quantize: 'uint16', bytesPerValue: 2 },
];

for (const { quantize, bytesPerValue } of FORMS) {
  for (const shardBytes of [undefined, 10_007]) {
    const form = `${quantize ?? 'float32'}, ${shardBytes ? 'many shards' : '1 shard'}`;
    test(`round trip ${form}: float32 tensors within the form's error bound`, async () => {
      const before = tf.memory().numTensors;
      const { params, files } = await seededModelFiles(TINY_CONFIG, 7, { quantize, shardBytes });
      const manifest = JSON.parse(files.get(WEIGHTS_MANIFEST_JSON) as string) as ManifestGroup[];
      const bins = [...files.keys()].filter((n) => n.endsWith('.bin'));
      const totalBytes = bins.reduce((n, b) => n + (files.get(b) as Uint8Array).byteLength, 0);
      assert.equal(totalBytes, 86_290 * bytesPerValue);
      assert.equal(bins.length, shardBytes ? Math.ceil(totalBytes / shardBytes) : 1);
      const server = new MemoryServer();
      server.put(DIR, files);
      const model = await loadModel(DIR, { fetchFn: server.fetch });
      const worst = await assertWithinBound(model.params, params, manifest, form);
      if (quantize) assert.ok(worst > 0, `${form}: values were quantised (max error ${worst})`);
      else assert.equal(worst, 0);
      model.dispose();
      tf.dispose(Object.values(params));
      assert.equal(tf.memory().numTensors, before, 'no leaks');
    });
  }
}

/** Splits a one-group manifest into `cuts.length + 1` groups at variable indices, with new shard names. */
function regroup(group: ManifestGroup, bytes: Uint8Array, cuts: number[], names: string[][]): { manifest: ManifestGroup[]; files: Map<string, Uint8Array> } {
  const entryBytes = (e: ManifestGroup['weights'][number]) => e.shape.reduce((a, b) => a * b, 1) * (e.quantization ? (e.quantization.dtype === 'uint8' ? 1 : 2) : 4);
  const bounds = [0, ...cuts, group.weights.length];
  const manifest: ManifestGroup[] = [];
  const files = new Map<string, Uint8Array>();
  let at = 0;
  for (let g = 0; g + 1 < bounds.length; g++) {
    const weights = group.weights.slice(bounds[g], bounds[g + 1]);
    const size = weights.reduce((n, e) => n + entryBytes(e), 0);
    const data = bytes.subarray(at, at + size);
    at += size;
    const paths = names[g]!;
    const per = Math.ceil(size / paths.length);
    paths.forEach((p, i) => files.set(p, data.subarray(i * per, Math.min(size, (i + 1) * per))));
    manifest.push({ paths, weights });
  }
  return { manifest, files };
}

test('several groups, shards named anyhow (subfolders), uint8; a group the generator does not need is not fetched', async () => {
  const before = tf.memory().numTensors;
  const { params, files } = await seededModelFiles(TINY_CONFIG, 8, { quantize: 'uint8', magentaLayout: true });
  const [group] = JSON.parse(files.get(WEIGHTS_MANIFEST_JSON) as string) as ManifestGroup[];
  const bytes = files.get('group1-shard1of1.bin') as Uint8Array;
  const split = regroup(group!, bytes, [4, 17], [['weights/block-a.bin', 'weights/block-a.part2'], ['b.bin'], ['c1', 'c2', 'c3']]);
  // A discriminator variable in its own group (Magenta's checkpoints hold more than the generator).
  split.manifest.push({ paths: ['discriminator/shard.bin'], weights: [{ name: 'Discriminator/dense/kernel', shape: [4, 4], dtype: 'float32' }] });
  const server = new MemoryServer();
  server.put(DIR, split.files);
  server.put(DIR, new Map([[WEIGHTS_MANIFEST_JSON, JSON.stringify(split.manifest)]]));
  const model = await loadModel(DIR, { fetchFn: server.fetch, magentaConfig: TINY_CONFIG });
  assert.equal(model.format, 'magenta');
  const renamed = split.manifest.map((g) => ({ ...g, weights: g.weights.map((w) => ({ ...w, name: w.name.replace('/ExponentialMovingAverage', '') })) }));
  const worst = await assertWithinBound(model.params, params, renamed, 'regrouped uint8');
  assert.ok(worst > 0);
  assert.ok(!server.requests.some((u) => u.includes('discriminator')), 'the unneeded group is not downloaded');
  assert.ok(server.requests.includes(`${DIR}/weights/block-a.part2`));
  model.dispose();
  tf.dispose(Object.values(params));
  assert.equal(tf.memory().numTensors, before, 'no leaks');
});

test('onProgress reports bytes of the total as they stream in: (0, total) first, (total, total) last, never backwards', async () => {
  const { params, files } = await seededModelFiles(TINY_CONFIG, 9, { shardBytes: 100_000 });
  tf.dispose(Object.values(params));
  const server = new MemoryServer();
  server.put(DIR, files);
  const calls: [number, number][] = [];
  const model = await loadModel(DIR, { fetchFn: server.fetch, onProgress: (loaded, total) => calls.push([loaded, total]) });
  model.dispose();
  assert.deepEqual(calls[0], [0, TINY_FLOAT32_BYTES]);
  assert.deepEqual(calls.at(-1), [TINY_FLOAT32_BYTES, TINY_FLOAT32_BYTES]);
  assert.ok(calls.every(([, t]) => t === TINY_FLOAT32_BYTES));
  assert.ok(calls.every(([l], i) => i === 0 || l >= calls[i - 1]![0]), 'monotonic');
  // 4 shards served in 4 KiB chunks: progress within a shard, not only per shard.
  assert.ok(calls.length > 40, `${calls.length} progress calls`);
});

test('float16Bits: exact halves, rounding to nearest even, subnormals, overflow; tfjs decodes them back', () => {
  const cases: [number, number][] = [
    [0, 0x0000], [-0, 0x8000], [1, 0x3c00], [-2, 0xc000], [0.1, 0x2e66], [65504, 0x7bff], [65520, 0x7c00], [1e6, 0x7c00],
    [2 ** -14, 0x0400], [2 ** -24, 0x0001], [2 ** -25, 0x0000], [3 * 2 ** -25, 0x0002], [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02],
    [Infinity, 0x7c00], [-Infinity, 0xfc00],
  ];
  for (const [x, bits] of cases) assert.equal(float16Bits(x), bits, `float16Bits(${x})`);
  assert.equal(float16Bits(NaN) & 0x7c00, 0x7c00);
  assert.notEqual(float16Bits(NaN) & 0x3ff, 0);
  const values = new Float32Array([0.1, -3.5, 1e-6, 2 ** -20, 1234.5, -0.000123]);
  const halves = Uint16Array.from(values, float16Bits);
  const decoded = tf.io.decodeWeights(halves.buffer, [{ name: 'x', shape: [values.length], dtype: 'float32', quantization: { dtype: 'float16' } }]).x!;
  const got = decoded.dataSync();
  decoded.dispose();
  values.forEach((v, i) => assert.ok(Math.abs(got[i]! - v) <= float16ErrorBound(v), `${v} → ${got[i]}`));
});

test('quantizeAffine: zero stays exact, constant tensors are exact, errors stay within scale/2', () => {
  const values = new Float32Array([-1.3, -0.2, 0, 0.05, 0.7, 2.9]);
  for (const dtype of ['uint8', 'uint16'] as const) {
    const { bytes, quantization } = quantizeAffine(values, dtype);
    const q = dtype === 'uint8' ? bytes : new Uint16Array(bytes.buffer);
    const decoded = Array.from(q, (v) => v * quantization.scale! + quantization.min!);
    assert.equal(decoded[2], 0, `${dtype}: zero is representable`);
    decoded.forEach((d, i) => assert.ok(Math.abs(d - values[i]!) <= affineErrorBound(quantization) + 1e-12, `${dtype} ${values[i]} → ${d}`));
  }
  const flat = quantizeAffine(new Float32Array([0.25, 0.25]), 'uint8');
  assert.deepEqual([...flat.bytes], [0, 0]);
  assert.deepEqual(flat.quantization, { dtype: 'uint8', min: 0.25, scale: 1 });
});
