/**
 * NoteRenderer on tfjs-wasm with the `tiny` config: streaming order, lengths, the 44.1 kHz output equals the TS
 * reference resampling of the 16 kHz output, leaks, abort and supersede.
 */
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { useNodeBackend } from '../../src/node/backends.ts';
import { TINY_CONFIG } from '../../src/shared/model-config.ts';
import { initGeneratorParams } from '../../src/engine/generator.ts';
import type { LoadedModel } from '../../src/engine/weights.ts';
import { NoteRenderer } from '../../src/engine/renderer.ts';
import { randomLatent } from '../../src/engine/latent.ts';
import { designResampler, resampleTs } from '../../src/engine/resample.ts';

let model: LoadedModel;
let renderer: NoteRenderer;

before(async () => {
  await useNodeBackend('wasm');
  const params = initGeneratorParams(TINY_CONFIG, 11);
  model = { config: TINY_CONFIG, normalization: TINY_CONFIG.normalization, params, meta: {}, format: 'gansynth-web/1', dispose: () => tf.dispose(Object.values(params)) };
  renderer = new NoteRenderer({ model, sampleRateHz: 44100, backend: 'current', maxBatch: 2 });
  await renderer.initialize();
  await renderer.warmUp(); // fills the spectral ops' constant cache, so leak counts below compare like with like
});

after(() => {
  renderer.dispose();
  model.dispose();
});

test('constructor validates and does no I/O', () => {
  assert.throws(() => new NoteRenderer({ model, sampleRateHz: 44100.5 }), /sampleRateHz must be an integer/);
  assert.throws(() => new NoteRenderer({ model, sampleRateHz: 44100, maxBatch: 0 }), /maxBatch must be a positive integer/);
  assert.throws(() => new NoteRenderer({ model: 3 as unknown as string, sampleRateHz: 44100 }), /LoadedModel or a model URL/);
  assert.throws(() => new NoteRenderer({ model: 'http://127.0.0.1:9/nowhere', sampleRateHz: 44100 }).config, /initialize\(\) first/);
});

test('renderBank streams priority pitches first, one buffer per pitch, no leaks', async () => {
  assert.equal(renderer.backend, 'wasm');
  assert.equal(renderer.maxBatch, 2);
  const before = tf.memory().numTensors;
  const streamed: number[] = [];
  const batchSizes: number[] = [];
  const bank = await renderer.renderBank(randomLatent(5), [60, 62, 64, 66, 68], {
    priority: [66, 30, 62],
    onNote: (pitch, samples, index) => {
      assert.equal(index, streamed.length);
      assert.equal(samples.length, 176400);
      streamed.push(pitch);
    },
    onStageTimings: (t) => {
      batchSizes.push(t.batchSize);
      assert.ok(t.generatorMs > 0 && t.spectralMs > 0 && t.resampleMs > 0);
    },
  });
  assert.equal(tf.memory().numTensors, before, 'tensor count after render');
  assert.deepEqual(streamed, [66, 62, 60, 64, 68]);
  assert.deepEqual(batchSizes, [1, 2, 2], '5 notes: the priority note alone first, then batches of 2');
  assert.deepEqual([...bank.keys()].sort(), [60, 62, 64, 66, 68]);
  for (const [pitch, s] of bank) {
    assert.equal(s.length, Math.round((64000 * 44100) / 16000));
    assert.ok(s.every(Number.isFinite), `pitch ${pitch} finite`);
    assert.ok(s.some((v) => Math.abs(v) > 1e-4), `pitch ${pitch} not silent`);
  }
  assert.notDeepEqual(bank.get(60), bank.get(62), 'pitch conditioning changes the note');
  await assert.rejects(renderer.renderBank(randomLatent(5), [60, 60]), /pitch 60 requested twice/);
  await assert.rejects(renderer.renderBank(new Float32Array(3), [60]), /Float32Array of 256/);
  await assert.rejects(renderer.renderBank(randomLatent(5), [90]), /outside the model's range/);
  assert.equal(tf.memory().numTensors, before, 'tensor count after failed renders');
});

test('batchSizes follows the batch rule; warmUp(notes) renders one batch of each of those sizes, no leaks', async () => {
  assert.deepEqual(renderer.batchSizes(5), [1, 2, 2]);
  assert.deepEqual(renderer.batchSizes(4), [1, 2, 1]);
  assert.deepEqual(renderer.batchSizes(0), []);
  assert.throws(() => renderer.batchSizes(1.5), /integer/);
  const r3 = new NoteRenderer({ model, sampleRateHz: 44100, backend: 'current', maxBatch: 3 });
  await r3.initialize();
  try {
    assert.deepEqual(r3.batchSizes(6), [1, 3, 2]);
    // The generator's one-hot pitch input has one row per note of the batch: its shapes are the batches rendered.
    const batchesOf = async (f: () => Promise<unknown>) => (await tf.profile(async () => {
      await f();
      return [];
    })).kernels.filter((k) => k.name === 'OneHot').map((k) => k.outputShapes[0]![0]);
    const before = tf.memory().numTensors;
    assert.deepEqual(await batchesOf(() => r3.warmUp(6)), [1, 3, 2], 'the sizes a 6-note render runs');
    assert.deepEqual(await batchesOf(() => r3.warmUp(7)), [1, 3], '7 notes run 1, 3, 3: two sizes');
    assert.deepEqual(await batchesOf(() => r3.warmUp()), [1], 'default: one note');
    assert.deepEqual(await r3.warmUp(6), [1, 3, 2], 'warmUp resolves with the sizes it rendered');
    assert.equal(tf.memory().numTensors, before, 'tensor count after warm-ups');
  } finally {
    r3.dispose();
  }
});

test('44.1 kHz output = TS reference resampling of the 16 kHz output; batching does not change notes', async () => {
  const reqs = [{ latent: randomLatent(1), pitch: 48 }, { latent: randomLatent(2), pitch: 72 }, { latent: randomLatent(3), pitch: 48 }];
  const at16k = await renderer.renderNotes(reqs, 16000);
  assert.equal(at16k.length, 3);
  assert.equal(at16k[0]!.length, 64000);
  const at44k = await renderer.renderNotes(reqs.slice(0, 1), 44100);
  const ref = resampleTs(at16k[0]!, designResampler(16000, 44100));
  let maxDiff = 0;
  let peak = 0;
  for (let i = 0; i < ref.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(ref[i]! - at44k[0]![i]!));
    peak = Math.max(peak, Math.abs(ref[i]!));
  }
  assert.ok(maxDiff < 1e-4 * Math.max(1, peak), `max diff ${maxDiff} (peak ${peak})`);
  // Request 0 rendered alone equals request 0 rendered in a batch of 2 (float32 tolerance).
  const alone = await renderer.renderNotes(reqs.slice(0, 1), 16000);
  let d = 0;
  for (let i = 0; i < 64000; i++) d = Math.max(d, Math.abs(alone[0]![i]! - at16k[0]![i]!));
  assert.ok(d < 1e-4, `batch vs single differ by ${d}`);
  assert.notDeepEqual(at16k[0], at16k[2], 'latent changes the note');
});

test('abort between batches; a new render supersedes the one in flight', async () => {
  const before = tf.memory().numTensors;
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(renderer.renderBank(randomLatent(1), [60], { signal: controller.signal }), { name: 'AbortError' });

  const seenA: number[] = [];
  let second: Promise<Map<number, Float32Array>> | null = null;
  const first = renderer.renderBank(randomLatent(1), [60, 61, 62, 63], {
    onNote: (p) => {
      seenA.push(p);
      if (!second) second = renderer.renderBank(randomLatent(2), [70]);
    },
  });
  await assert.rejects(first, { name: 'AbortError' });
  assert.deepEqual(seenA, [60], 'the first render stopped after its first batch (one note)');
  const bankB = await second!;
  assert.deepEqual([...bankB.keys()], [70]);
  assert.equal(tf.memory().numTensors, before);
});
