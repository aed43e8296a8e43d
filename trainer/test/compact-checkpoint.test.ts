/**
 * Compact checkpoints (one file that carries a run between machines) on the CPU backend with the tiny test config:
 * float32 with Adam's moments continues bit-identical to an uninterrupted run across a stage change; float16
 * without moments continues close to it (the difference is measured and bounded); the header states what it
 * holds; corrupt, truncated or foreign files, another config, an older run directory and another dataset are
 * clear errors.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { MAGENTA_NORMALIZATION } from 'gansynth-web/shared/model-config';
import { latestCheckpoint, loadCheckpoint } from '../src/train/checkpoint.ts';
import { BatcherTrainData } from '../src/train/batcher-data.ts';
import { readCompactCheckpoint, readCompactHeader, writeCompactCheckpoint } from '../src/train/compact-checkpoint.ts';
import { readMetrics } from '../src/train/metrics-log.ts';
import { readRunInfo } from '../src/train/run-info.ts';
import { runTraining } from '../src/train/run.ts';
import { TEST_MODEL, cpuTraining, testData, testTrainConfig } from './train-fixtures.ts';
import { syntheticFeatures } from '../../support/training-features.ts';

const root = mkdtempSync(join(tmpdir(), 'gansynth-compact-'));
before(cpuTraining);
after(() => rmSync(root, { recursive: true, force: true }));

const cfg = testTrainConfig(4); // batch 2: steps 1–2 stage 0, steps 3–4 stage 1 (Adam reset between)
const common = { cfg, seed: 5, dataLabel: 'synthetic', normalization: MAGENTA_NORMALIZATION, keep: 1, checkpointEverySteps: 100 };
const strip = (r: Record<string, number>) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'imagesPerSec' && k !== 'timeSec'));

/** The straight run (4 steps) and a run stopped at step 1 that packed both compact forms on its way. */
let made: Promise<{ straight: string; f32: string; f16: string }> | undefined;
const fixture = () => (made ??= (async () => {
  const straight = join(root, 'straight');
  await runTraining({ ...common, runDir: straight, data: testData(), targetSteps: 4 });
  const first = join(root, 'first');
  const f32 = join(root, 'f32-adam.gsck');
  const f16 = join(root, 'f16.gsck');
  await runTraining({ ...common, runDir: first, data: testData(), targetSteps: 1, compactOut: { path: f32, dtype: 'float32', adamMoments: true } });
  await runTraining({ ...common, runDir: first, data: testData(), targetSteps: 1, compactOut: { path: f16, dtype: 'float16', adamMoments: false } });
  return { straight, f32, f16 };
})());

function weightsOf(dir: string): Record<string, Float32Array> {
  const { tensors } = loadCheckpoint(dir);
  const out: Record<string, Float32Array> = {};
  for (const group of ['g', 'd', 'ema']) {
    for (const [name, t] of Object.entries(tensors[group]!)) out[`${group}/${name}`] = t.dataSync() as Float32Array;
  }
  for (const group of Object.values(tensors)) tf.dispose(Object.values(group));
  return out;
}

test('float32 + Adam moments: a run resumed from the file on a "new machine" ends bit-identical, across a stage change', async () => {
  const { straight, f32 } = await fixture();
  const h = readCompactHeader(f32);
  assert.deepEqual([h.dtype, h.adamMoments, h.meta.step, h.meta.imageId, h.meta.stage], ['float32', true, 1, 2, 0]);
  assert.deepEqual(h.tensors.map((e) => e.group).filter((g, i, a) => a.indexOf(g) === i), ['g', 'd', 'ema', 'adam_d_v', 'adam_g_v'], 'β1 = 0: first moments are not stored');
  const resumed = join(root, 'resumed-f32');
  const r = await runTraining({ ...common, cfg: h.meta.trainConfig, seed: 999, runDir: resumed, data: testData(), targetSteps: 4, resumeFrom: f32 });
  assert.deepEqual([r.step, r.images], [4, 8]);
  const a = latestCheckpoint(straight)!;
  const b = latestCheckpoint(resumed)!;
  assert.ok(readFileSync(join(a, 'tensors.bin')).equals(readFileSync(join(b, 'tensors.bin'))), 'weights, EMA, Adam moments bitwise equal');
  const state = (dir: string) => {
    const s = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as Record<string, unknown>;
    delete s.info;
    return s;
  };
  assert.deepEqual(state(b), state(a), 'counters, stage, RNG, data cursor, seed (the file\'s, not the caller\'s 999)');
  assert.deepEqual(readMetrics(resumed).map(strip), readMetrics(straight).slice(1).map(strip), 'steps 2–4 logged as in the straight run');
  assert.deepEqual(readRunInfo(resumed).trainConfig, cfg, 'run.json comes from the file');
});

test('float16 without moments: half the weight bytes, resumes close to (not equal to) the straight run', async () => {
  const { straight, f32, f16 } = await fixture();
  const h = readCompactHeader(f16);
  assert.deepEqual([h.dtype, h.adamMoments], ['float16', false]);
  assert.ok(h.tensors.every((e) => ['g', 'd', 'ema'].includes(e.group) && e.dtype === 'float16'));
  const weightBytes32 = readCompactHeader(f32).tensors.filter((e) => e.group !== 'adam_g_v' && e.group !== 'adam_d_v').reduce((s, e) => s + 4 * e.shape.reduce((a, b) => a * b, 1), 0);
  assert.ok(h.payloadBytes <= weightBytes32 / 2 + 4 * h.tensors.length, `float16 payload ${h.payloadBytes} ≈ half of ${weightBytes32}`);
  assert.ok(statSync(f16).size < statSync(f32).size / 2);
  // The file's weights are the step-1 weights to float16 precision.
  const step1 = loadCheckpoint(latestCheckpoint(join(root, 'first'))!);
  const read = readCompactCheckpoint(f16);
  for (const [name, t] of Object.entries(read.tensors.g!)) {
    const x = t.dataSync();
    const y = step1.tensors.g![name]!.dataSync();
    for (let i = 0; i < x.length; i++) assert.ok(Math.abs(x[i]! - y[i]!) <= Math.abs(y[i]!) * 2 ** -11 + 2 ** -24, `g/${name}[${i}]: ${x[i]} vs ${y[i]}`);
  }
  // With moments, float16 applies to the weights only: Adam's v stays float32 (float16 would flush small v to 0).
  const withMoments = join(root, 'f16-adam.gsck');
  await writeCompactCheckpoint(withMoments, step1.meta, step1.tensors, readRunInfo(join(root, 'first')), { dtype: 'float16', adamMoments: true });
  const dtypes = Object.fromEntries(readCompactHeader(withMoments).tensors.map((e) => [e.group, e.dtype]));
  assert.deepEqual(dtypes, { g: 'float16', d: 'float16', ema: 'float16', adam_d_v: 'float32', adam_g_v: 'float32' });
  for (const s of [step1, read]) for (const group of Object.values(s.tensors)) tf.dispose(Object.values(group));

  const resumed = join(root, 'resumed-f16');
  await runTraining({ ...common, runDir: resumed, data: testData(), targetSteps: 4, resumeFrom: f16 });
  const a = weightsOf(latestCheckpoint(straight)!);
  const b = weightsOf(latestCheckpoint(resumed)!);
  let maxDiff = 0;
  let maxAbs = 0;
  for (const k of Object.keys(a)) {
    for (let i = 0; i < a[k]!.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(a[k]![i]! - b[k]![i]!));
      maxAbs = Math.max(maxAbs, Math.abs(a[k]![i]!));
    }
  }
  console.log(`float16, no moments, resumed at step 1 of 4: max |Δweight| ${maxDiff.toExponential(2)} (largest weight ${maxAbs.toFixed(2)})`);
  assert.ok(maxDiff > 0, 'not bit-identical: float16 rounding and a fresh Adam');
  // A fresh Adam's first update moves a weight by at most lr (8e-4) per step; 3 steps, plus float16 rounding.
  assert.ok(maxDiff < 3 * 2 * 8e-4 + maxAbs * 2 ** -10, `max |Δweight| ${maxDiff}`);
});

test('bad files and mismatches are clear errors naming the file', async () => {
  const { f32, f16 } = await fixture();
  const bytes = readFileSync(f16);
  const bad = join(root, 'bad.gsck');
  writeFileSync(bad, bytes.subarray(0, bytes.length - 8));
  assert.throws(() => readCompactCheckpoint(bad), /bad\.gsck: .*truncated/);
  const flipped = Buffer.from(bytes);
  flipped[flipped.length - 3]! ^= 0x40;
  writeFileSync(bad, flipped);
  assert.throws(() => readCompactCheckpoint(bad), /bad\.gsck: payload CRC32C mismatch/);
  writeFileSync(bad, 'PK\x03\x04 not a checkpoint at all');
  assert.throws(() => readCompactHeader(bad), /bad\.gsck: not a gansynth compact checkpoint/);
  const other = testTrainConfig(4, { name: 'other' });
  await assert.rejects(runTraining({ ...common, cfg: other, runDir: join(root, 'other'), data: testData(), targetSteps: 2, resumeFrom: f32 }), /f32-adam\.gsck is a run of config "tiny", not "other"/);
  // A run directory that already went past the file resumes itself; one behind it is refused.
  const behind = join(root, 'behind');
  await runTraining({ ...common, runDir: behind, data: testData(), targetSteps: 0 });
  await assert.rejects(runTraining({ ...common, runDir: behind, data: testData(), targetSteps: 2, resumeFrom: f32 }), /holds checkpoints up to step 0, older than .*f32-adam\.gsck \(step 1\)/);
});

test('a data cursor only restores over the same example list', () => {
  const { features, pitches } = syntheticFeatures(TEST_MODEL, 4, 3);
  const size = TEST_MODEL.spectral.frames * TEST_MODEL.spectral.bins * 2;
  const source = (names: string[]) => ({
    size: names.length, featureSize: size, entries: names.map((n, i) => ({ note_str: n, pitch: pitches[i]! })),
    read: (i: number) => features.slice(i * size, (i + 1) * size),
  });
  const a = new BatcherTrainData(TEST_MODEL, source(['a-060', 'b-061', 'c-062', 'd-063']), MAGENTA_NORMALIZATION, 1);
  tf.dispose(Object.values(a.nextBatch(3)));
  const same = new BatcherTrainData(TEST_MODEL, source(['a-060', 'b-061', 'c-062', 'd-063']), MAGENTA_NORMALIZATION, 1);
  same.restore(a.cursor());
  assert.deepEqual(same.cursor(), a.cursor());
  const other = new BatcherTrainData(TEST_MODEL, source(['a-060', 'b-061', 'x-062', 'd-063']), MAGENTA_NORMALIZATION, 1);
  assert.throws(() => other.restore(a.cursor()), /indexes another dataset \(4 examples, key [0-9a-f]{16}\); this one has 4 examples, key [0-9a-f]{16}: render the dataset with the run's recipe/);
});
