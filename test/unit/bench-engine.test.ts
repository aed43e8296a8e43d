/**
 * The engine bench times the product path: a warm-up on the timed batch sizes, then `renderBank` without stage
 * syncs; the stage split only from a separate profiling render, in rows of its own (bench/engine-measure.ts,
 * bench/engine-common.ts). tiny model on tfjs-wasm.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { useNodeBackend } from '../../src/node/backends.ts';
import { TINY_CONFIG } from '../../src/shared/model-config.ts';
import { initGeneratorParams } from '../../src/engine/generator.ts';
import { NoteRenderer, type RenderOptions } from '../../src/engine/renderer.ts';
import type { LoadedModel } from '../../src/engine/weights.ts';
import { measureRenderer } from '../../bench/engine-measure.ts';
import { BENCH_RATE_HZ, measurementRows } from '../../bench/engine-common.ts';

/** A NoteRenderer that records its calls, in order (it renders as the real one: it is the real one). */
class RecordingRenderer extends NoteRenderer {
  readonly calls: string[] = [];
  override async warmUp(notes?: number): Promise<number[]> {
    this.calls.push(`warmUp(${notes})`);
    return super.warmUp(notes);
  }
  override async renderBank(latent: Float32Array, pitches: readonly number[], opts: RenderOptions = {}): Promise<Map<number, Float32Array>> {
    this.calls.push(`renderBank(${pitches.length}${opts.onStageTimings ? ', stage syncs' : ''})`);
    return super.renderBank(latent, pitches, opts);
  }
}

let model: LoadedModel;
let renderer: RecordingRenderer;

before(async () => {
  await useNodeBackend('wasm');
  const params = initGeneratorParams(TINY_CONFIG, 3);
  model = { config: TINY_CONFIG, normalization: TINY_CONFIG.normalization, params, meta: {}, format: 'gansynth-web/1', dispose: () => tf.dispose(Object.values(params)) };
  renderer = new RecordingRenderer({ model, sampleRateHz: BENCH_RATE_HZ, backend: 'current', maxBatch: 2 });
  await renderer.initialize();
});

after(() => {
  renderer.dispose();
  model.dispose();
});

test('product timing: warm-up on the timed batch sizes, then renderBank with no stage syncs; product rows only', async () => {
  renderer.calls.length = 0;
  const m = await measureRenderer(renderer, [48, 60, 72], { warmUp: true, profile: false, memory: false });
  assert.deepEqual(renderer.calls, ['warmUp(3)', 'renderBank(3)']);
  assert.deepEqual(m.batchSizes, [1, 2]);
  assert.deepEqual(m.warmUpBatchSizes, [1, 2]);
  assert.ok(m.renderMs > 0 && m.warmUpMs > 0);
  assert.deepEqual(m.stages, []);
  const rows = measurementRows({ ...m, backend: 'node-wasm', config: TINY_CONFIG, notes: 3 });
  assert.deepEqual(rows.map((r) => r.name), ['tiny ms/note', 'tiny 61-note bank', 'tiny GFLOP/s (all stages)']);
  assert.equal(rows[0]!.value, m.renderMs / 3);
  assert.equal(rows[0]!.extra?.path, 'renderBank');
  assert.equal(rows[1]!.extra?.extrapolated, true);
});

test('profiling: a separate render with stage syncs after the timed one, in "(profiled)" rows; memory over one full batch', async () => {
  renderer.calls.length = 0;
  const m = await measureRenderer(renderer, [48, 60, 72, 84], { warmUp: true, profile: true, memory: true });
  assert.deepEqual(renderer.calls, ['warmUp(4)', 'renderBank(4)', 'renderBank(4, stage syncs)', 'renderBank(3)']);
  assert.deepEqual(m.stages.map((s) => s.batchSize), [1, 2, 1]);
  assert.ok(m.profiledRenderMs! > 0);
  assert.deepEqual(m.memory && { batch: m.memory.batch, notes: m.memory.notes }, { batch: 2, notes: 3 });
  const rows = measurementRows({ ...m, backend: 'node-wasm', config: TINY_CONFIG, notes: 4 });
  assert.deepEqual(rows.map((r) => r.name), [
    'tiny ms/note', 'tiny 61-note bank', 'tiny GFLOP/s (all stages)',
    'tiny generator GFLOP/s (profiled)', 'tiny split gen/spec/resamp/readback (profiled)', 'tiny tensor memory peak',
  ]);
  assert.equal(rows[0]!.value, m.renderMs / 4, 'ms/note comes from the product render, not the profiled one');
  assert.equal(rows[3]!.extra?.profiled, true);
  assert.equal(rows[0]!.extra?.generatorMsPerNote, undefined, 'no stage split in the product rows');
});

test('no warm-up (cpu, ENGINE_BENCH_WARMUP=0): the rows say so', async () => {
  renderer.calls.length = 0;
  const m = await measureRenderer(renderer, [60], { warmUp: false, profile: false, memory: false });
  assert.deepEqual(renderer.calls, ['renderBank(1)']);
  const rows = measurementRows({ ...m, backend: 'node-wasm', config: TINY_CONFIG, notes: 1 });
  assert.equal(rows[0]!.extra?.warmedUp, false);
});
