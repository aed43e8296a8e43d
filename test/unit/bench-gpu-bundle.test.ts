/**
 * The GPU bundles (bench/gpu) must run with nothing but Node: built into a folder outside the repo (so no
 * node_modules can be found), the bench bundle loads tfjs's wasm and cpu backends, registers gradients for a training
 * step and writes a BenchReport with real measurements; the trainer bundle renders SoundFont notes in its worker
 * and trains. The GPU machine runs the same files with webgpu on NVIDIA.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildBenchBundle } from '../../bench/gpu/pack.ts';
import { resolveSoundfontPath } from '../../trainer/src/data/soundfont.ts';
import type { BenchReport } from '../../bench/types.ts';

test('bench/gpu bundle runs from a folder with no node_modules and reports engine, training and spectral rows', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gsw-gpu-bundle-'));
  try {
    await buildBenchBundle(dir);
    const out = join(dir, 'results');
    const r = spawnSync(process.execPath, [join(dir, 'bench.mjs'), '--out', out, 'engine', 'spectral', 'training'], {
      cwd: dir, encoding: 'utf8', timeout: 240_000,
      env: {
        PATH: process.env.PATH, NODE_OPTIONS: '', SPECTRAL_BENCH_BACKENDS: 'wasm', SPECTRAL_BENCH_NOTES: '1',
        ENGINE_BENCH_NODE: 'wasm=tiny:2', ENGINE_BENCH_BROWSER: '', ENGINE_BENCH_MAGENTA: '0', ENGINE_BENCH_MEMORY: '0',
        TRAIN_BENCH_BACKENDS: 'cpu', TRAIN_BENCH_CONFIGS: 'tiny', TRAIN_BENCH_STAGES: '0', TRAIN_BENCH_STEPS: '1',
      },
    });
    assert.equal(r.status, 0, `bundle exited ${r.status}:\n${r.stderr.slice(-3000)}`);
    const files = readdirSync(out).filter((f) => f.endsWith('.json'));
    assert.equal(files.length, 1);
    const report = JSON.parse(readFileSync(join(out, files[0]!), 'utf8')) as BenchReport;
    assert.deepEqual(report.failures, []);
    const spectral = report.rows.find((x) => x.suite === 'spectral' && x.backend === 'node-wasm');
    const training = report.rows.find((x) => x.suite === 'training' && x.backend === 'node-cpu');
    const engine = report.rows.find((x) => x.suite === 'engine' && x.backend === 'node-wasm' && x.name === 'tiny ms/note');
    assert.ok(spectral && spectral.value > 0 && Number.isFinite(spectral.value), `spectral row: ${JSON.stringify(spectral)}`);
    assert.ok(training && training.value > 0 && Number.isFinite(training.value), `training row: ${JSON.stringify(training)}`);
    assert.ok(engine && engine.value > 0 && Number.isFinite(engine.value), `engine row: ${JSON.stringify(engine)}`);
    assert.deepEqual(engine.extra?.warmUpBatchSizes, [1], 'warmed up on the timed batch size (wasm: 1 note per batch)');
    assert.match(r.stdout, /images\/s/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bench/gpu trainer bundle renders a dataset with its worker, trains, packs and resumes a compact checkpoint, and the gansynth bundle renders a note, from a folder with no node_modules', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gsw-gpu-trainer-'));
  try {
    await buildBenchBundle(dir);
    const env = { PATH: process.env.PATH, NODE_OPTIONS: '' };
    const trainer = (args: string[]) => spawnSync(process.execPath, [join(dir, 'trainer.mjs'), ...args], { cwd: dir, encoding: 'utf8', env, timeout: 240_000 });
    const sf3 = resolveSoundfontPath('fluidr3mono');
    const d = trainer(['dataset', '--soundfont', sf3, '--out', join(dir, 'data'), '--programs', '0', '--pitches', '60-63', '--velocities', '100', '--workers', '1', '--no-progress']);
    assert.equal(d.status, 0, `dataset: ${d.stderr.slice(-2000)}`);
    assert.match(d.stdout + d.stderr, /rendered 4 notes/);
    const t = trainer(['train', '--config', 'tiny', '--data', join(dir, 'data'), '--out', join(dir, 'run'), '--backend', 'cpu', '--steps', '1', '--no-progress']);
    assert.equal(t.status, 0, `train: ${t.stderr.slice(-2000)}`);
    assert.match(t.stderr, /target reached: step 1, 4 images/);
    const lines = readFileSync(join(dir, 'run/metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { g_loss?: number });
    assert.ok(lines.some((m) => Number.isFinite(m.g_loss)), 'a step with a finite G loss was logged');
    // A compact checkpoint packed and resumed through the bundle (what campaign.sh does across machines).
    const p = trainer(['checkpoint', 'pack', join(dir, 'run'), '--out', join(dir, 'run.gsck')]);
    assert.equal(p.status, 0, `checkpoint pack: ${p.stderr.slice(-2000)}`);
    const r = trainer(['train', '--resume-from', join(dir, 'run.gsck'), '--data', join(dir, 'data'), '--out', join(dir, 'run2'), '--backend', 'cpu', '--steps', '2', '--no-progress']);
    assert.equal(r.status, 0, `train --resume-from: ${r.stderr.slice(-2000)}`);
    assert.match(r.stderr, /target reached: step 2, 8 images/);
    // The gansynth CLI bundle renders a note of a (seeded) model with the wasm binaries beside it.
    mkdirSync(join(dir, 'model'));
    writeFileSync(join(dir, 'model/model.json'), JSON.stringify({ format: 'gansynth-web/1', config: 'tiny', weights: { init: 'seeded-untrained', seed: 1 } }));
    const g = spawnSync(process.execPath, [join(dir, 'gansynth.mjs'), 'generate', '--model', join(dir, 'model'), '--out', join(dir, 'notes'), '--pitch', '60', '--backend', 'wasm'], { cwd: dir, encoding: 'utf8', env, timeout: 240_000 });
    assert.equal(g.status, 0, `gansynth generate: ${g.stderr.slice(-2000)}`);
    assert.deepEqual(readdirSync(join(dir, 'notes')), ['gansynth-p60-s1.wav']);
    const u = trainer(['frobnicate']);
    assert.equal(u.status, 2);
    assert.match(u.stderr, /unknown command 'frobnicate'. Commands: checkpoint, dataset, eval, export, features, report, train/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bench/gpu bundle names the benches it has when a filter matches none', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gsw-gpu-bundle-'));
  try {
    await buildBenchBundle(dir);
    const r = spawnSync(process.execPath, [join(dir, 'bench.mjs'), 'nosuchbench'], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH, NODE_OPTIONS: '' } });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /no bench matches nosuchbench \(have engine\.bench\.ts/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
