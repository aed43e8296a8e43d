/**
 * Generator as data: parameter layout and count, seeded determinism, output shape/range, Magenta's
 * progressive-growing blend, to_rgb scaling, and no tensor leaks (tfjs CPU backend, tiny config).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { PAPER_CONFIG, TINY_CONFIG, type ModelConfig } from '../../src/shared/model-config.ts';
import {
  Generator, boxUpscale, countParams, generatorAlpha, generatorForward, generatorParamSpecs, initGeneratorParams, initialConv, kernelScale, layerNames,
  pitchesToOneHot, preparePhaseKernels,
} from '../../src/engine/generator.ts';
import { SeededRandom } from '../../src/shared/random.ts';
import { phaseKernels, upscaledConv3x3 } from '../../src/engine/upscale-conv.ts';

await tf.setBackend('cpu');
const cfg = TINY_CONFIG;
const BLOCKS = cfg.filters.length;

function latents(batch: number, seed: number): tf.Tensor2D {
  return tf.tensor2d(new SeededRandom(seed).normals(batch * cfg.latentSize), [batch, cfg.latentSize]);
}

/** Nearest-neighbour upscale of [b, h, w, c] values by `s` in plain JS (independent of the tfjs op). */
function upscaleJs(v: Float32Array, [b, h, w, c]: number[], s: number): Float32Array {
  const out = new Float32Array(b * h * s * w * s * c);
  for (let n = 0; n < b; n++) for (let y = 0; y < h * s; y++) for (let x = 0; x < w * s; x++) for (let k = 0; k < c; k++) {
    out[((n * h * s + y) * w * s + x) * c + k] = v[((n * h + Math.floor(y / s)) * w + Math.floor(x / s)) * c + k]!;
  }
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

test('paper config has Magenta\'s variable layout and 7,308,802 parameters', () => {
  const specs = generatorParamSpecs(PAPER_CONFIG);
  assert.equal(countParams(specs), 7_308_802);
  assert.equal(specs.length, 7 * 4 + 2);
  assert.deepEqual(specs[0], {
    name: 'Generator/progressive_gan_generator/progressive_gan_block_1/conv0/conv2d/kernel',
    shape: [2, 16, 317, 256], fanIn: 2 * 16 * 317, kind: 'kernel',
  });
  assert.equal(specs[1]!.name, 'Generator/progressive_gan_generator/progressive_gan_block_1/conv0/bias');
  assert.deepEqual(specs.at(-2)!.shape, [1, 1, 32, 2]);
  assert.equal(specs.at(-1)!.name, 'Generator/progressive_gan_generator/progressive_gan_block_7/to_rgb/bias');
  const training = generatorParamSpecs(PAPER_CONFIG, { allToRgb: true });
  assert.equal(training.filter((s) => s.name.includes('to_rgb/conv2d/kernel')).length, 7);
  assert.equal(countParams(training), 7_308_802 + (256 * 2 + 2) * 4 + (128 * 2 + 2) + (64 * 2 + 2));
});

test('the alpha weights of all blocks sum to 1 and peak at progress = block - 1', () => {
  for (const p of [0, 0.25, 1, 2.5, 5.999, 6]) {
    let sum = 0;
    for (let b = 1; b <= BLOCKS; b++) sum += generatorAlpha(b, p);
    assert.ok(Math.abs(sum - 1) < 1e-12, `progress ${p}: sum ${sum}`);
  }
  assert.equal(generatorAlpha(3, 2), 1);
  assert.equal(generatorAlpha(3, 1.25), 0.25);
  assert.equal(generatorAlpha(2, 1.25), 0.75);
});

test('full-resolution output: shape, tanh range, determinism by seed, no leaks', async () => {
  const before = tf.memory().numTensors;
  const a = initGeneratorParams(cfg, 7);
  const b = initGeneratorParams(cfg, 7);
  const c = initGeneratorParams(cfg, 8);
  const z = latents(2, 1);
  const onehot = pitchesToOneHot([24, 60], cfg);
  const ya = generatorForward(a, cfg, z, onehot);
  assert.deepEqual(ya.shape, [2, 128, 1024, 2]);
  const va = await ya.data();
  const yb = generatorForward(b, cfg, z, onehot);
  const yc = generatorForward(c, cfg, z, onehot);
  const vb = await yb.data();
  const vc = await yc.data();
  assert.equal(maxAbsDiff(va, vb), 0, 'same seed, same output');
  assert.ok(maxAbsDiff(va, vc) > 0.1, 'another seed, another output');
  let lo = Infinity; let hi = -Infinity;
  for (const v of va) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  assert.ok(lo > -1 && hi < 1 && hi - lo > 0.5, `range ${lo}..${hi}`);
  // Different pitches of one latent give different notes.
  assert.ok(maxAbsDiff(va.subarray(0, va.length / 2), va.subarray(va.length / 2)) > 0.01);
  tf.dispose([ya, yb, yc, z, onehot, ...Object.values(a), ...Object.values(b), ...Object.values(c)]);
  assert.equal(tf.memory().numTensors, before, 'no leaks');
});

test('progressive growing: stable stages equal the pure lower-resolution generator upscaled; transitions blend', async () => {
  const params = initGeneratorParams(cfg, 3, { allToRgb: true });
  const z = latents(1, 2);
  const onehot = pitchesToOneHot([48], cfg);
  const before = tf.memory().numTensors;
  const pure = async (k: number) => {
    // A generator truncated to blocks 1..k+1 is Magenta's network at the stable stage `progress = k`.
    const sub: ModelConfig = { ...cfg, filters: cfg.filters.slice(0, k + 1) };
    const y = generatorForward(params, sub, z, onehot);
    const v = upscaleJs((await y.data()) as Float32Array, y.shape, cfg.scaleBase ** (BLOCKS - 1 - k));
    y.dispose();
    return v;
  };
  const at = async (progress: number) => {
    const y = generatorForward(params, cfg, z, onehot, { progress });
    const v = await y.data();
    y.dispose();
    return v;
  };
  for (const k of [0, 2, 5]) {
    const low = await pure(k);
    const high = await pure(k + 1);
    assert.ok(maxAbsDiff(await at(k), low) < 1e-6, `progress ${k} = pure block ${k + 1}`);
    assert.ok(maxAbsDiff(await at(k + 1), high) < 1e-6, `progress ${k + 1} = pure block ${k + 2}`);
    const mid = await at(k + 0.25);
    const blend = low.map((v, i) => 0.75 * v + 0.25 * high[i]!);
    assert.ok(maxAbsDiff(mid, blend) < 1e-6, `progress ${k}.25 = 0.75 low + 0.25 high`);
    assert.ok(maxAbsDiff(low, high) > 0.1, 'the two resolutions differ, so the checks above can fail');
  }
  assert.equal(tf.memory().numTensors, before, 'no leaks');
  assert.throws(() => generatorForward(params, cfg, z, onehot, { progress: 6.5 }), /progress must be in \[0, 6\]/);
  tf.dispose([z, onehot, ...Object.values(params)]);
});

test('to_rgb He slope 1 (Magenta Python) divides the pre-tanh output by sqrt(2) against slope 0 (magenta-js)', async () => {
  const params = initGeneratorParams(cfg, 5);
  const z = latents(1, 9);
  const onehot = pitchesToOneHot([70], cfg);
  const yJs = generatorForward(params, cfg, z, onehot);
  const yPy = generatorForward(params, cfg, z, onehot, { toRgbHeSlope: 1 });
  const js = await yJs.data();
  const py = await yPy.data();
  let worst = 0;
  for (let i = 0; i < js.length; i++) {
    if (Math.abs(js[i]!) > 0.99) continue; // atanh is ill-conditioned near ±1 in float32
    worst = Math.max(worst, Math.abs(Math.atanh(js[i]!) / Math.SQRT2 - Math.atanh(py[i]!)));
  }
  assert.ok(worst < 1e-4, `worst pre-tanh mismatch ${worst}`);
  tf.dispose([yJs, yPy, z, onehot, ...Object.values(params)]);
});

test('Generator: predict from arrays, pitch validation, dispose frees the weights', async () => {
  const before = tf.memory().numTensors;
  const params = initGeneratorParams(cfg, 11);
  const gen = new Generator({ config: cfg, params, dispose: () => tf.dispose(Object.values(params)) });
  const z = Array.from(new SeededRandom(4).normals(cfg.latentSize));
  const y = gen.predict([z], [60]);
  assert.deepEqual(y.shape, [1, 128, 1024, 2]);
  y.dispose();
  assert.throws(() => gen.predict([z], [23]), /pitch 23 outside the model's range 24\.\.84/);
  assert.throws(() => gen.predict([z], [60, 61]), /1 latents but 2 pitches/);
  gen.dispose();
  assert.equal(tf.memory().numTensors, before);
  assert.throws(() => gen.predict([z], [60]), /after dispose/);
});

test('block 1 conv0 as a matmul equals Magenta\'s zero-padded valid conv', () => {
  const before = tf.memory().numTensors;
  const params = initGeneratorParams(cfg, 11);
  const inCh = cfg.latentSize + (cfg.pitchMax - cfg.pitchMin + 1);
  const x = tf.tensor2d(new SeededRandom(12).normals(3 * inCh), [3, inCh]);
  const [sh, sw] = cfg.startShape;
  const fast = initialConv(params, x, cfg);
  const slow = tf.tidy(() => {
    const k = params[layerNames(1, 'conv0').kernel]!;
    const scaled = tf.mul(k, kernelScale(sh * sw * inCh, 0)) as tf.Tensor4D;
    const padded = tf.pad(tf.reshape(x, [3, 1, 1, inCh]), [[0, 0], [sh - 1, sh - 1], [sw - 1, sw - 1], [0, 0]]) as tf.Tensor4D;
    return tf.add(tf.conv2d(padded, scaled, 1, 'valid'), params[layerNames(1, 'conv0').bias]!);
  });
  assert.deepEqual(fast.shape, slow.shape);
  const a = fast.dataSync();
  const b = slow.dataSync();
  let maxErr = 0;
  let maxAbs = 0;
  for (let i = 0; i < a.length; i++) {
    maxErr = Math.max(maxErr, Math.abs(a[i]! - b[i]!));
    maxAbs = Math.max(maxAbs, Math.abs(b[i]!));
  }
  assert.ok(maxErr <= 1e-5 * maxAbs, `max error ${maxErr} vs max ${maxAbs}`);
  tf.dispose([fast, slow, x, ...Object.values(params)]);
  assert.equal(tf.memory().numTensors, before);
});

/** Seeded tiny params (every to_rgb) with N(0, 0.3²) biases from `biasSeed` instead of initialisation's zeros. */
function paramsWithBiases(seed: number, biasSeed: number): Record<string, tf.Tensor> {
  const params = initGeneratorParams(cfg, seed, { allToRgb: true });
  const rng = new SeededRandom(biasSeed);
  for (const [name, t] of Object.entries(params)) {
    if (!name.endsWith('/bias')) continue;
    params[name] = tf.tensor(rng.normals(t.size).map((v) => 0.3 * v), t.shape, 'float32');
    t.dispose();
  }
  return params;
}

test('fused hidden convs (inference) give the unfused output within fp32 rounding, at every stage', async () => {
  // Non-zero biases (initialisation makes them 0), so the fused bias add is exercised too.
  const params = paramsWithBiases(11, 12);
  const z = latents(2, 4);
  const onehot = pitchesToOneHot([30, 77], cfg);
  for (const progress of [0, 1.5, BLOCKS - 1]) {
    const plain = generatorForward(params, cfg, z, onehot, { progress });
    const fused = generatorForward(params, cfg, z, onehot, { progress, fused: true });
    const d = maxAbsDiff(await plain.data(), await fused.data());
    assert.ok(d < 1e-5, `progress ${progress}: max |fused − plain| = ${d}`);
    tf.dispose([plain, fused]);
  }
  tf.dispose([z, onehot, ...Object.values(params)]);
});

test('upscaledConv3x3: conv(box upscale ×2) of a 3×3 kernel, at every pixel including the borders, odd sizes too', async () => {
  const rng = new SeededRandom(31);
  for (const [h, w, cin, cout] of [[2, 16, 5, 3], [3, 7, 4, 6]] as const) {
    const x = tf.tensor4d(rng.normals(2 * h * w * cin), [2, h, w, cin]);
    const k = tf.tensor4d(rng.normals(9 * cin * cout), [3, 3, cin, cout]);
    const ref = tf.conv2d(boxUpscale(x, 2), k, 1, 'same');
    const kernels = phaseKernels(k);
    const got = upscaledConv3x3(x, kernels, (p, f) => tf.conv2d(p, f, 1, 'valid'));
    assert.deepEqual(got.shape, ref.shape);
    const d = maxAbsDiff(await ref.data(), await got.data());
    assert.ok(d < 1e-4, `${h}×${w}: max |phases − resize| = ${d}`);
    tf.dispose([x, k, ref, got, ...kernels.flat()]);
  }
});

test('phase upscale (four 2×2 convs at the lower resolution) gives the box upscale + 3×3 conv output, fused or not, at every stage', async () => {
  const params = paramsWithBiases(21, 22);
  const z = latents(2, 6);
  const onehot = pitchesToOneHot([25, 80], cfg);
  const before = tf.memory().numTensors;
  const prepared = preparePhaseKernels(params, cfg);
  assert.deepEqual([...prepared.byBlock.keys()], [2, 3, 4, 5, 6, 7]);
  for (const progress of [1, 2.5, BLOCKS - 1]) {
    for (const fused of [false, true]) {
      const resize = generatorForward(params, cfg, z, onehot, { progress, fused });
      const phases = generatorForward(params, cfg, z, onehot, { progress, fused, phaseUpscale: true });
      const withPrepared = generatorForward(params, cfg, z, onehot, { progress, fused, phaseUpscale: true, phaseKernels: prepared });
      assert.deepEqual(await withPrepared.data(), await phases.data(), 'kernels made once = kernels made per call');
      withPrepared.dispose();
      const [a, b] = [await resize.data(), await phases.data()];
      // The phase kernels sum taps before multiplying: fp32 rounding differs (≈1e-7 relative per conv), and the
      // tiny config's 4-channel pixel norms amplify it at near-zero pixels (max 8e-4 of 524,288 values measured;
      // RMS 4e-6). A wrong phase, offset or tap sum moves values by ~0.1–1.
      const d = maxAbsDiff(a, b);
      let se = 0;
      for (let i = 0; i < a.length; i++) se += (a[i]! - b[i]!) ** 2;
      const rms = Math.sqrt(se / a.length);
      assert.ok(d < 2e-3 && rms < 2e-5, `progress ${progress} fused ${fused}: max |phases − resize| = ${d}, RMS ${rms}`);
      tf.dispose([resize, phases]);
    }
  }
  prepared.dispose();
  assert.equal(tf.memory().numTensors, before, 'the forward passes and the disposed phase kernels leave no tensor');
  tf.dispose([z, onehot, ...Object.values(params)]);
});

test('a stable stage computes only the blocks it uses: block k+2 is not needed at progress k, but is in a transition', async () => {
  const params = initGeneratorParams(cfg, 13, { allToRgb: true });
  const z = latents(2, 5);
  const onehot = pitchesToOneHot([40, 60], cfg);
  const before = tf.memory().numTensors;
  for (const k of [0, 3]) {
    // Only blocks 1..k+1: any read of block k+2's weights throws "generator parameter missing".
    const upTo = (n: number) => Object.fromEntries(Object.entries(params).filter(([name]) => Number(/progressive_gan_block_(\d+)\//.exec(name)![1]) <= n));
    const y = generatorForward(upTo(k + 1), cfg, z, onehot, { progress: k });
    const full = generatorForward(params, cfg, z, onehot, { progress: k });
    assert.equal(maxAbsDiff(await y.data(), await full.data()), 0, `progress ${k}: the same output without block ${k + 2}`);
    tf.dispose([y, full]);
    assert.throws(() => generatorForward(upTo(k + 1), cfg, z, onehot, { progress: k + 0.5 }), /generator parameter missing: .*block_\d+/);
  }
  assert.equal(tf.memory().numTensors, before, 'no leaks');
  tf.dispose([z, onehot, ...Object.values(params)]);
});

test('outputBlocks: the output at a lower block resolution is the full-resolution output box-downscaled', async () => {
  const params = initGeneratorParams(cfg, 17, { allToRgb: true });
  const z = latents(2, 6);
  const onehot = pitchesToOneHot([33, 71], cfg);
  const before = tf.memory().numTensors;
  for (const [progress, outputBlocks] of [[0, 1], [0, 3], [2, 3], [2.25, 4], [4.5, 6], [5, 6]] as const) {
    const low = generatorForward(params, cfg, z, onehot, { progress, outputBlocks });
    const s = cfg.scaleBase ** (BLOCKS - outputBlocks);
    const ref = tf.tidy(() => tf.avgPool(generatorForward(params, cfg, z, onehot, { progress }), s, s, 'valid'));
    assert.deepEqual(low.shape, ref.shape);
    const d = maxAbsDiff(await low.data(), await ref.data());
    assert.ok(d < 1e-6, `progress ${progress}, ${outputBlocks} blocks: max diff ${d}`);
    tf.dispose([low, ref]);
  }
  assert.equal(tf.memory().numTensors, before, 'no leaks');
  assert.throws(() => generatorForward(params, cfg, z, onehot, { progress: 2.5, outputBlocks: 3 }), /outputBlocks must be an integer in \[4, 7\]/);
  tf.dispose([z, onehot, ...Object.values(params)]);
});
