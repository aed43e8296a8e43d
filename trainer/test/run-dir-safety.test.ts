/**
 * A run directory survives careless use (issue 13, item 10): one `train` per RUN (a second one fails at once naming
 * RUN and the PID holding it; a lock left by a kill -9 is taken over); the metrics log shortened on resume is
 * replaced atomically (a write that fails half-way keeps every line); a resumed run logs each step once; a damaged
 * state.json or run.json is an error naming the file; a full disk is an error naming the file and leaves no
 * samples/*.tmp.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { MAGENTA_NORMALIZATION } from 'gansynth-web/shared/model-config';
import { main as trainMain } from '../src/commands/train.ts';
import { latestCheckpoint, loadCheckpoint } from '../src/train/checkpoint.ts';
import { appendMetrics, metricsPath, readMetrics, truncateMetrics } from '../src/train/metrics-log.ts';
import { writeMonitorSamples } from '../src/train/monitor.ts';
import { RUN_LOCK_FILE, acquireRunLock, withRunLock } from '../src/train/run-lock.ts';
import { readRunInfo } from '../src/train/run-info.ts';
import { runTraining } from '../src/train/run.ts';
import { Trainer } from '../src/train/trainer-loop.ts';
import { cpuTraining, testData, testTrainConfig } from './train-fixtures.ts';
import { mountSmallTmpfs } from '../../support/tmpfs.ts';

const root = mkdtempSync(join(tmpdir(), 'gansynth-rundir-'));
after(() => rmSync(root, { recursive: true, force: true }));

const LOCK_MODULE = pathToFileURL(resolve('trainer/src/train/run-lock.ts')).href;
const METRICS_MODULE = pathToFileURL(resolve('trainer/src/train/metrics-log.ts')).href;

/** A separate Node process that takes RUN's lock and holds it until killed. */
async function lockHolder(runDir: string): Promise<ChildProcess> {
  const code = `import(${JSON.stringify(LOCK_MODULE)}).then((m) => { m.acquireRunLock(${JSON.stringify(runDir)}); console.log('locked'); setInterval(() => {}, 1e6); });`;
  const child = spawn(process.execPath, ['--conditions=gansynth-source', '--import', 'tsx', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  await new Promise<void>((ok, fail) => {
    child.stdout!.on('data', (d) => String(d).includes('locked') && ok());
    child.once('exit', (c) => fail(new Error(`lock holder exited (${c}): ${err}`)));
  });
  return child;
}

/** `train` as the CLI runs it, on a dataset that does not exist: any error past the lock is about the dataset. */
function train(runDir: string): Promise<void> {
  return trainMain(['--config', 'tiny', '--data', join(root, 'no-such-dataset'), '--out', runDir, '--backend', 'cpu', '--no-progress']);
}

test('a second train on one run directory fails at once naming RUN and the PID; a kill -9 leaves a lock the next run takes over', async () => {
  const runDir = join(root, 'locked');
  const holder = await lockHolder(runDir);
  try {
    const t0 = performance.now();
    await assert.rejects(train(runDir), (e: Error) => {
      assert.ok(e.message.includes(`${runDir} is in use by another training, PID ${holder.pid}`), e.message);
      return true;
    });
    assert.ok(performance.now() - t0 < 2000, 'refused before preparing any data');
    assert.ok(existsSync(join(runDir, RUN_LOCK_FILE)), "the holder's lock is left alone");
  } finally {
    const exited = new Promise((ok) => holder.once('exit', ok));
    holder.kill('SIGKILL');
    await exited; // reaped: its PID no longer exists
  }
  // The stale lock is taken over: this run gets past it (to the missing dataset) and releases it on the error.
  await assert.rejects(train(runDir), /dataset '.*no-such-dataset' does not exist/);
  assert.equal(existsSync(join(runDir, RUN_LOCK_FILE)), false, 'released on error');
});

test('run lock: refused while held (also in one process), released on return and on throw, a damaged lock is taken over', async () => {
  const runDir = join(root, 'lock-unit');
  const lock = acquireRunLock(runDir);
  assert.throws(() => acquireRunLock(runDir), (e: Error) => e.message.includes(`${runDir} is in use by another training, PID ${process.pid}`));
  lock.release();
  lock.release(); // idempotent
  assert.equal(await withRunLock(runDir, async () => {
    assert.ok(existsSync(join(runDir, RUN_LOCK_FILE)));
    return 7;
  }), 7);
  assert.equal(existsSync(join(runDir, RUN_LOCK_FILE)), false, 'released on return');
  await assert.rejects(withRunLock(runDir, async () => {
    throw new Error('boom');
  }), /boom/);
  assert.equal(existsSync(join(runDir, RUN_LOCK_FILE)), false, 'released on throw');
  writeFileSync(join(runDir, RUN_LOCK_FILE), ''); // not one of ours: nobody can be shown to hold it
  acquireRunLock(runDir).release();
  assert.deepEqual(readdirSync(runDir), [], 'no lock and no temporary left');
});

test('truncateMetrics: a rewrite that fails half-way (EFBIG under ulimit -f) keeps every line of the old log', () => {
  const runDir = join(root, 'metrics-efbig');
  mkdirSync(runDir, { recursive: true });
  const records = Array.from({ length: 400 }, (_, i) => ({ step: i + 1, images: 2 * (i + 1), g_loss: 1 / (i + 1), d_loss: -1 / (i + 1), imagesPerSec: 3.25, timeSec: i * 0.5 }));
  writeFileSync(metricsPath(runDir), records.map((r) => JSON.stringify(r) + '\n').join(''));
  const before = readFileSync(metricsPath(runDir));
  assert.ok(before.length > 32 * 1024, `a log of ${before.length} bytes, over the limit below`);
  const code = `import(${JSON.stringify(METRICS_MODULE)}).then((m) => m.truncateMetrics(${JSON.stringify(runDir)}, 390)).catch((e) => { console.error(e.message); process.exit(3); });`;
  const r = spawnSync('bash', ['-c', `ulimit -f 16; exec '${process.execPath}' --import tsx -e "$0"`, code], { encoding: 'utf8' });
  assert.equal(r.status, 3, `the write failed: ${r.stderr}`);
  assert.equal(readFileSync(metricsPath(runDir), 'utf8'), before.toString('utf8'), 'the old log is whole');
  assert.match(r.stderr, /cannot write .*metrics\.jsonl: file too large .*\(EFBIG\); the previous file is kept/);
  assert.deepEqual(readdirSync(runDir), ['metrics.jsonl'], 'no temporary file left');
  truncateMetrics(runDir, 390); // without the limit it works
  assert.deepEqual(readMetrics(runDir).map((m) => m.step), records.slice(0, 390).map((m) => m.step));
});

test('a run killed after its checkpoint resumes with each step logged once', async () => {
  await cpuTraining();
  const cfg = testTrainConfig(4);
  const common = { cfg, seed: 5, dataLabel: 'synthetic', normalization: MAGENTA_NORMALIZATION, keep: 2, checkpointEverySteps: 2 };
  const runDir = join(root, 'resume');
  await runTraining({ ...common, runDir, data: testData(), targetSteps: 2 });
  // What a kill -9 during steps 3–4 leaves: their lines, the last one torn, and no checkpoint of them.
  appendFileSync(metricsPath(runDir), '{"step":3,"g_loss":9}\n{"step":4,"g_loss":9}\n{"step":5,"g_lo');
  await runTraining({ ...common, runDir, data: testData(), targetSteps: 4 });
  const steps = readMetrics(runDir).map((m) => m.step);
  assert.deepEqual(steps, [1, 2, 3, 4]);
  assert.ok(readMetrics(runDir).every((m) => m.g_loss !== 9), 'the killed run\'s lines were replaced by the re-run steps');
});

test('a damaged state.json or run.json is an error naming the file', async () => {
  await cpuTraining();
  const runDir = join(root, 'damaged');
  await runTraining({ cfg: testTrainConfig(4), seed: 1, dataLabel: 'synthetic', normalization: MAGENTA_NORMALIZATION, keep: 2, checkpointEverySteps: 1, runDir, data: testData(), targetSteps: 1 });
  const ckpt = latestCheckpoint(runDir)!;
  const state = join(ckpt, 'state.json');
  const good = readFileSync(state, 'utf8');
  writeFileSync(state, good.slice(0, good.length / 2));
  const named = (path: string, why: RegExp) => (e: Error) => e.message.startsWith(`${path}: `) && why.test(e.message);
  assert.throws(() => loadCheckpoint(ckpt), named(state, /not valid JSON .*delete .*ckpt-000000001 to resume from the one before it/));
  await assert.rejects(runTraining({ cfg: testTrainConfig(4), seed: 1, dataLabel: 'synthetic', normalization: MAGENTA_NORMALIZATION, keep: 2, checkpointEverySteps: 1, runDir, data: testData(), targetSteps: 2 }), named(state, /not valid JSON/));
  writeFileSync(state, JSON.stringify({ ...JSON.parse(good), step: 'one' }));
  assert.throws(() => loadCheckpoint(ckpt), named(state, /"step" must be an integer/));
  writeFileSync(state, JSON.stringify({ ...JSON.parse(good), trainConfig: undefined }));
  assert.throws(() => loadCheckpoint(ckpt), named(state, /trainConfig/));
  writeFileSync(join(runDir, 'run.json'), '{"format": "gansynth-trai');
  assert.throws(() => readRunInfo(runDir), named(join(runDir, 'run.json'), /not valid JSON/));
});

test('disk full (ENOSPC on a 64 KiB tmpfs): metrics and monitor samples name the file, no samples/*.tmp stays', async (t) => {
  const tmpfs = join(root, 'tmpfs');
  const skip = mountSmallTmpfs(tmpfs);
  if (skip) return t.skip(skip);
  await cpuTraining();
  const trainer = Trainer.create(testTrainConfig(4), 3, testData());
  try {
    const runDir = join(tmpfs, 'run');
    mkdirSync(join(runDir, 'samples'), { recursive: true });
    try {
      for (let i = 0; ; i++) writeFileSync(join(tmpfs, `filler-${i}`), new Uint8Array(4096));
    } catch (e) {
      assert.equal((e as NodeJS.ErrnoException).code, 'ENOSPC');
    }
    assert.throws(() => appendMetrics(runDir, { step: 1 }), (e: Error) => e.message === `cannot write ${metricsPath(runDir)}: disk full (ENOSPC)`);
    await assert.rejects(writeMonitorSamples(runDir, trainer), (e: Error) => e.message === `cannot write ${join(runDir, 'samples', 'step-000000000.bin')}: disk full (ENOSPC)`);
    assert.deepEqual(readdirSync(join(runDir, 'samples')), [], 'no half sample, no temporary file');
  } finally {
    trainer.dispose();
    spawnSync('umount', [tmpfs]);
  }
});
