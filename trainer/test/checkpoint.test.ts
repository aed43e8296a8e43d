/**
 * Checkpoints on the CPU backend with the tiny test config: a run interrupted and resumed from disk ends
 * bit-identical to an uninterrupted one (weights, EMA, Adam moments, RNG, data cursor, log), across a stage
 * change; a NaN stops training with the last good checkpoint intact; left-over temporaries are ignored;
 * only the newest N are kept.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { MAGENTA_NORMALIZATION } from 'gansynth-web/shared/model-config';
import { NonFiniteError, latestCheckpoint, listCheckpoints, loadCheckpoint } from '../src/train/checkpoint.ts';
import type { RealBatch, TrainData } from '../src/train/data-source.ts';
import { readMetrics } from '../src/train/metrics-log.ts';
import { runTraining } from '../src/train/run.ts';
import { cpuTraining, testData, testTrainConfig } from './train-fixtures.ts';

const root = mkdtempSync(join(tmpdir(), 'gansynth-ckpt-'));
before(cpuTraining);
after(() => rmSync(root, { recursive: true, force: true }));

const cfg = testTrainConfig(4); // batch 2: steps 1–2 stage 0, steps 3–4 stage 1 (fade-in), Adam reset between
const common = { cfg, seed: 9, dataLabel: 'synthetic', normalization: MAGENTA_NORMALIZATION, keep: 2 };

function stateWithoutInfo(dir: string): unknown {
  const s = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as Record<string, unknown>;
  delete s.info;
  return s;
}

/** `inner`, counting the real batches drawn from it. */
function counting(inner: TrainData): TrainData & { batches: number } {
  const d = {
    pitches: inner.pitches,
    batches: 0,
    nextBatch(n: number): RealBatch {
      d.batches++;
      return inner.nextBatch(n);
    },
    cursor: () => inner.cursor(),
    restore: (c: unknown) => inner.restore(c),
  };
  return d;
}

test('interrupted + resumed run is bit-identical to an uninterrupted one', async () => {
  const straight = join(root, 'straight');
  const resumed = join(root, 'resumed');
  const straightData = counting(testData());
  const a = await runTraining({ ...common, runDir: straight, data: straightData, targetSteps: 4, checkpointEverySteps: 2 });
  assert.deepEqual([a.step, a.images, a.reason], [4, 8, 'target']);
  const b1 = await runTraining({ ...common, runDir: resumed, data: testData(), targetSteps: 2, checkpointEverySteps: 100 });
  assert.equal(b1.step, 2);
  // A fresh data object and trainer: everything comes back from the checkpoint on disk.
  const resumedData = counting(testData());
  const b2 = await runTraining({ ...common, runDir: resumed, data: resumedData, targetSteps: 4, checkpointEverySteps: 100 });
  assert.equal(b2.step, 4);
  // Training is deterministic, so a second run that ignored the checkpoint and started over would end identical too:
  // the resumed run must have trained steps 3–4 only (half the straight run's batches).
  assert.ok(straightData.batches > 0);
  assert.equal(resumedData.batches * 2, straightData.batches, `batches drawn: resumed ${resumedData.batches}, straight ${straightData.batches}`);
  const ca = latestCheckpoint(straight)!;
  const cb = latestCheckpoint(resumed)!;
  assert.ok(readFileSync(join(ca, 'tensors.bin')).equals(readFileSync(join(cb, 'tensors.bin'))), 'weights, EMA and Adam moments bitwise equal');
  assert.deepEqual(stateWithoutInfo(cb), stateWithoutInfo(ca), 'counters, RNG state, data cursor equal');
  const strip = (r: Record<string, number>) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'imagesPerSec' && k !== 'timeSec'));
  assert.deepEqual(readMetrics(resumed).map(strip), readMetrics(straight).map(strip), 'identical metrics log');
  assert.deepEqual(listCheckpoints(straight).map((c) => c.step), [2, 4], 'keep 2 pruned step 0');
  const { meta } = loadCheckpoint(ca);
  assert.equal(meta.stage, 1);
  assert.equal(meta.adamGSteps, 2, 'Adam restarted at the stage change (Magenta: fresh optimiser per stage)');
});

test('a NaN loss stops training and keeps the last good checkpoint', async () => {
  const inner = testData();
  let batches = 0;
  const poisoned: TrainData = {
    pitches: inner.pitches,
    nextBatch(n: number): RealBatch {
      const b = inner.nextBatch(n);
      if (++batches < 3) return b;
      const features = tf.mul(b.features, NaN) as tf.Tensor4D;
      b.features.dispose();
      return { features, pitchOneHot: b.pitchOneHot };
    },
    cursor: () => inner.cursor(),
    restore: (c) => inner.restore(c),
  };
  const runDir = join(root, 'nan');
  await assert.rejects(
    runTraining({ ...common, runDir, data: poisoned, targetSteps: 5, checkpointEverySteps: 1 }),
    (e: Error) => e instanceof NonFiniteError && /non-finite .* at step 3/.test(e.message),
  );
  const last = latestCheckpoint(runDir)!;
  const { meta, tensors } = loadCheckpoint(last);
  assert.equal(meta.step, 2, 'the checkpoint of the last good step');
  for (const group of Object.values(tensors)) {
    for (const t of Object.values(group)) assert.ok((await t.data()).every(Number.isFinite));
    tf.dispose(Object.values(group));
  }
});

test('left-over temporaries are ignored and removed; bad checkpoints are clear errors', async () => {
  const runDir = join(root, 'tmp');
  mkdirSync(join(runDir, 'checkpoints', '.tmp-ckpt-000000007-1'), { recursive: true });
  writeFileSync(join(runDir, 'checkpoints', '.tmp-ckpt-000000007-1', 'tensors.bin'), 'partial');
  mkdirSync(join(runDir, 'checkpoints', 'ckpt-000000005'), { recursive: true }); // no state.json: incomplete
  assert.equal(latestCheckpoint(runDir), null);
  await runTraining({ ...common, runDir, data: testData(), targetSteps: 1, checkpointEverySteps: 1 });
  assert.deepEqual(listCheckpoints(runDir).map((c) => c.step), [0, 1]);
  assert.throws(() => loadCheckpoint(join(runDir, 'checkpoints', 'ckpt-000000005')), /not a checkpoint/);
  const dir = latestCheckpoint(runDir)!;
  writeFileSync(join(dir, 'tensors.bin'), readFileSync(join(dir, 'tensors.bin')).subarray(0, 100));
  assert.throws(() => loadCheckpoint(dir), /truncated/);
});
