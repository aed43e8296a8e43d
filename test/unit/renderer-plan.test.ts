import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { orderPitches, orderRequests, planBatches } from '../../src/engine/render-plan.ts';
import { backendLimits, maxBatchFor, noteActivationBytes } from '../../src/engine/backend.ts';
import { PAPER_CONFIG, TINY_CONFIG } from '../../src/shared/model-config.ts';

test('priority pitches render first, in priority order; the rest keep request order', () => {
  assert.deepEqual(orderPitches([60, 61, 62, 63, 64], [64, 99, 61, 64]), [64, 61, 60, 62, 63]);
  assert.deepEqual(orderPitches([60, 61], []), [60, 61]);
  // Several requests of one pitch (different latents) all move up, in request order.
  assert.deepEqual(orderRequests([{ pitch: 60 }, { pitch: 62 }, { pitch: 60 }, { pitch: 61 }], [60]), [0, 2, 1, 3]);
});

test('planBatches chunks in order and checks its bound', () => {
  assert.deepEqual(planBatches([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
  assert.deepEqual(planBatches([], 3), []);
  assert.throws(() => planBatches([1], 0), /positive integer/);
  // A first batch of one, then full batches; firstBatch never exceeds maxBatch.
  assert.deepEqual(planBatches([1, 2, 3, 4, 5, 6], 4, 1), [[1], [2, 3, 4, 5], [6]]);
  assert.deepEqual(planBatches([1, 2, 3], 2, 5), [[1, 2], [3]]);
  assert.deepEqual(planBatches([], 4, 1), []);
  assert.throws(() => planBatches([1], 2, 0), /firstBatch must be a positive integer/);
});

test('batch rule: paper activations from the config, bounded by the adapter limit and the budget', async () => {
  await tf.setBackend('cpu');
  const paper = noteActivationBytes(PAPER_CONFIG);
  // Block 7's input: block 6's 64 channels upscaled to 128 × 1024, float32.
  assert.equal(paper.largestActivation, 128 * 1024 * 64 * 4);
  assert.equal(paper.largestIm2col, 128 * 1024 * 9 * 64 * 4);
  const webgpuDefault = { backend: 'webgpu', maxTensorBytes: 128 * 1024 * 1024, source: 'test' };
  assert.equal(maxBatchFor(PAPER_CONFIG, webgpuDefault, { maxBatch: 64 }), 4); // 128 MiB / 33.5 MB
  assert.equal(maxBatchFor(PAPER_CONFIG, webgpuDefault, { maxBatch: 64, memoryBudgetBytes: 256 * 2 ** 20 }), 2);
  assert.equal(maxBatchFor(PAPER_CONFIG, webgpuDefault), 4);
  assert.equal(maxBatchFor(TINY_CONFIG, webgpuDefault), 8); // the default cap
  assert.equal(maxBatchFor(PAPER_CONFIG, { ...webgpuDefault, maxTensorBytes: 1 }), 1, 'never below one');
  assert.equal(maxBatchFor(TINY_CONFIG, backendLimits()), 1, 'cpu: batching gains nothing');
  assert.throws(() => maxBatchFor(TINY_CONFIG, webgpuDefault, { maxBatch: 0 }), /positive integer/);
});
