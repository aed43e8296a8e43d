/**
 * Landing a GPU campaign slice (bench/gpu/land.ts) into a temporary repo: the checkpoint is replaced only by a whole,
 * newer checkpoint of the same run; metrics and step history grow by one slice; the classifier is kept once it
 * exists; models/default is replaced only when the export's pitch accuracy beats the current one (and not from a
 * software adapter), with a model card; a bad export or checkpoint changes nothing; a slice lands once.
 * The slices are built from real parts: a compact checkpoint of the tiny test model, WAV notes at known pitches.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initGeneratorParams } from '../../src/engine/generator.ts';
import { midiToHz } from '../../src/shared/pitch.ts';
import { encodeWav } from '../../src/shared/wav.ts';
import { initDiscriminatorParams } from '../../trainer/src/model/discriminator.ts';
import { writeCompactCheckpoint } from '../../trainer/src/train/compact-checkpoint.ts';
import type { RunInfo } from '../../trainer/src/train/run-info.ts';
import { TEST_MODEL, cpuTraining, testTrainConfig } from '../../trainer/test/train-fixtures.ts';
import { landCampaign } from '../../bench/gpu/land.ts';
import { replaceDefaultModel } from '../../bench/gpu/land-model.ts';

const root = mkdtempSync(join(tmpdir(), 'gsw-land-'));
before(cpuTraining);
after(() => rmSync(root, { recursive: true, force: true }));
const cfg = testTrainConfig(4);
const RUN_CREATED = '2026-11-26T00:00:00.000Z';

function makeRepo(name: string): string {
  const repo = join(root, name);
  mkdirSync(join(repo, 'models/default'), { recursive: true });
  mkdirSync(join(repo, 'bench/results'), { recursive: true });
  writeFileSync(join(repo, 'models/default/model.json'), JSON.stringify({ format: 'gansynth-web/1', config: 'paper', weights: { init: 'seeded-untrained', seed: 1 } }));
  cpSync('models/default-run', join(repo, 'models/default-run'), { recursive: true });
  const specPath = join(repo, 'models/default-run/campaign.json');
  writeFileSync(specPath, JSON.stringify({ ...JSON.parse(readFileSync(specPath, 'utf8')), config: cfg.name }));
  for (const f of ['checkpoint.gsck', 'metrics.jsonl', 'training.jsonl']) rmSync(join(repo, 'models/default-run', f), { force: true });
  rmSync(join(repo, 'models/default-run/pitch-classifier'), { recursive: true, force: true });
  return repo;
}

interface SliceSpec {
  images: number;
  pitchAccuracy: number;
  adapter?: string;
  createdAt?: string;
  date: string;
  /** Drop weights_manifest.json from the export. */
  brokenExport?: boolean;
}

function tarXz(dir: string, name: string, out: string): void {
  execFileSync('tar', ['-C', dir, '-cJf', out, name]);
}

/** A campaign $OUT as campaign.sh leaves it. */
async function makeSlice(s: SliceSpec): Promise<string> {
  const out = mkdtempSync(join(root, 'out-'));
  const work = mkdtempSync(join(root, 'work-'));
  // A machine with an NVIDIA card whose Vulkan loader found only SwiftShader is still a software run.
  const start = { kind: 'start', date: s.date, config: cfg.name, gpu: 'NVIDIA H100 80GB HBM3', webgpuAdapter: s.adapter ?? 'nvidia / hopper / NVIDIA H100', vulkanIcd: '/icd.json', setupSec: 9, resumeFrom: 'none' };
  const lines = [start, { kind: 'phase', phase: 'train', sec: 300.5, rc: 0 }, { kind: 'end', totalSec: 530 }];
  writeFileSync(join(out, 'slice.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  const g = initGeneratorParams(TEST_MODEL, 1, { allToRgb: true });
  const d = initDiscriminatorParams(TEST_MODEL, 2);
  const run: RunInfo = { format: 'gansynth-trainer-run/1', config: cfg.name, seed: 0, data: 'd', normalization: TEST_MODEL.normalization, createdAt: s.createdAt ?? RUN_CREATED, trainConfig: cfg };
  const meta = { step: s.images / 2, imageId: s.images, stage: 1, seed: 0, rngState: 7, dataCursor: null, adamGSteps: 0, adamDSteps: 0, trainConfig: cfg, info: {} };
  await writeCompactCheckpoint(join(out, 'checkpoint.gsck'), meta, { g, d, ema: g }, run, { dtype: 'float16', adamMoments: false });
  tf.dispose([...Object.values(g), ...Object.values(d)]);
  writeFileSync(join(out, 'train-metrics.jsonl'), Array.from({ length: 450 }, (_, i) => JSON.stringify({ step: i + 1, g_loss: 1, d_loss: 2, imagesPerSec: 100 + i })).join('\n') + '\n');
  mkdirSync(join(work, 'model'));
  writeFileSync(join(work, 'model/model.json'), JSON.stringify({ format: 'gansynth-web/1', config: 'tiny', weightsManifest: 'weights_manifest.json', meta: { name: `pa ${s.pitchAccuracy}` } }));
  if (!s.brokenExport) writeFileSync(join(work, 'model/weights_manifest.json'), JSON.stringify([{ paths: ['group1-shard1of1.bin'], weights: [] }]));
  writeFileSync(join(work, 'model/group1-shard1of1.bin'), new Uint8Array(8));
  tarXz(work, 'model', join(out, 'model.tar.xz'));
  const set = (pa: number) => ({ pitchAccuracy: { value: pa, ci95: 0.05 }, pitchEntropy: { value: 0.4 }, inceptionScore: { value: 20 }, fid: 40, ndb: { count: 5, k: 20 } });
  mkdirSync(join(work, 'eval/pitch-classifier'), { recursive: true });
  writeFileSync(join(work, 'eval/metrics.json'), JSON.stringify({ classifier: { heldOutAccuracy: 0.84 }, real: set(0.84), generated: set(s.pitchAccuracy) }));
  writeFileSync(join(work, 'eval/pitch-classifier/classifier.json'), JSON.stringify({ from: s.date }));
  tarXz(work, 'eval', join(out, 'eval.tar.xz'));
  // Notes at 48, 60, 72 in tune and one at 66 a quarter tone sharp (+50 cents is the edge: use +60).
  mkdirSync(join(work, 'notes'));
  for (const [pitch, cents] of [[48, 0], [60, 0], [72, 0], [66, 60]] as const) {
    const hz = midiToHz(pitch) * 2 ** (cents / 1200);
    const wave = Float32Array.from({ length: 16000 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * hz * i) / 16000));
    writeFileSync(join(work, `notes/gansynth-p${pitch}-s1.wav`), encodeWav([wave], 16000));
  }
  tarXz(work, 'notes', join(out, 'notes.tar.xz'));
  mkdirSync(join(out, 'bench'));
  writeFileSync(join(out, 'bench', `${s.date.replace(/[:.]/g, '-')}-gpu.json`), JSON.stringify({ rows: [] }));
  return out;
}

const card = (repo: string) => JSON.parse(readFileSync(join(repo, 'models/default/model-card.json'), 'utf8')) as { images: number; stage: number; metrics: { generated: { pitchAccuracy: number }; realCeiling: { pitchAccuracy: number }; f0: { within50Cents: number; notes: number } }; dataset: { recipe: string }; device: { gpu: string }; date: string };
const records = (repo: string) => readFileSync(join(repo, 'models/default-run/metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

test('slices land: checkpoint, one metrics record each, classifier once, models/default only when pitch accuracy beats it', async () => {
  const repo = makeRepo('repo-a');
  const s1 = await makeSlice({ images: 100, pitchAccuracy: 0.5, date: '2026-11-27T10:00:00Z' });
  const r1 = await landCampaign({ from: s1, repo });
  assert.deepEqual([r1.checkpoint, r1.classifier, r1.model.replaced], ['replaced', 'added', true]);
  assert.match(r1.model.reason, /0\.5000 beats the untrained placeholder/);
  assert.deepEqual(readFileSync(join(repo, 'models/default-run/checkpoint.gsck')), readFileSync(join(s1, 'checkpoint.gsck')));
  const c1 = card(repo);
  assert.deepEqual([c1.images, c1.stage, c1.metrics.generated.pitchAccuracy, c1.metrics.realCeiling.pitchAccuracy, c1.date], [100, 1, 0.5, 0.84, '2026-11-27T10:00:00Z']);
  assert.deepEqual([c1.metrics.f0.within50Cents, c1.metrics.f0.notes], [3, 4], 'the +60-cent note is a miss');
  assert.match(c1.dataset.recipe, /--velocities 100/);
  assert.match(c1.device.gpu, /H100/);
  assert.match(readFileSync(join(repo, 'models/default/README.md'), 'utf8'), /images seen \| 100 \(step 50, stage 1\)/);
  assert.ok(existsSync(join(repo, 'models/default/group1-shard1of1.bin')));
  assert.ok(existsSync(join(repo, 'models/default-run/pitch-classifier/classifier.json')));
  const history = readFileSync(join(repo, 'models/default-run/training.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number; slice: string });
  assert.deepEqual([history.length, history[0]!.step, history.at(-1)!.step, history[0]!.slice], [151, 1, 450, '2026-11-27T10:00:00Z'], '450 steps thinned to every 3rd + the last');
  assert.deepEqual(readdirSync(join(repo, 'bench/results')), ['2026-11-27T10-00-00Z-gpu-campaign.json']);
  await assert.rejects(landCampaign({ from: s1, repo }), /already has the slice of 2026-11-27T10:00:00Z: landed before/);

  const s2 = await makeSlice({ images: 200, pitchAccuracy: 0.3, date: '2026-11-28T10:00:00Z' });
  const r2 = await landCampaign({ from: s2, repo });
  assert.deepEqual([r2.checkpoint, r2.classifier, r2.model.replaced], ['replaced', 'kept', false]);
  assert.match(r2.model.reason, /0\.3000 does not beat the current default's 0\.5000/);
  assert.equal(card(repo).images, 100, 'models/default unchanged');
  assert.equal(JSON.parse(readFileSync(join(repo, 'models/default-run/pitch-classifier/classifier.json'), 'utf8')).from, '2026-11-27T10:00:00Z', 'the first classifier stays');
  const s3 = await makeSlice({ images: 300, pitchAccuracy: 0.6, date: '2026-11-29T10:00:00Z' });
  assert.equal((await landCampaign({ from: s3, repo })).model.replaced, true);
  assert.equal(card(repo).images, 300);
  const tie = await landCampaign({ from: await makeSlice({ images: 400, pitchAccuracy: 0.6, date: '2026-11-30T10:00:00Z' }), repo });
  assert.deepEqual([tie.checkpoint, tie.model.replaced], ['replaced', false], 'a tie does not beat');
  assert.deepEqual(records(repo).map((r) => [r.slice, (r.position as { images: number }).images, (r.model as { replace: boolean }).replace]), [
    ['2026-11-27T10:00:00Z', 100, true], ['2026-11-28T10:00:00Z', 200, false], ['2026-11-29T10:00:00Z', 300, true], ['2026-11-30T10:00:00Z', 400, false],
  ]);
  assert.equal(readdirSync(join(repo, 'models')).filter((f) => f.startsWith('.')).length, 0, 'no temporaries left');
});

test('a software adapter (SwiftShader dry run) never replaces models/default unless asked', async () => {
  const repo = makeRepo('repo-sw');
  const s = await makeSlice({ images: 100, pitchAccuracy: 0.9, date: '2026-11-27T11:00:00Z', adapter: 'google / swiftshader / SwiftShader driver' });
  const r = await landCampaign({ from: s, repo });
  assert.deepEqual([r.checkpoint, r.model.replaced], ['replaced', false]);
  assert.match(r.model.reason, /software adapter/);
  assert.ok(!existsSync(join(repo, 'models/default/model-card.json')));
  const repo2 = makeRepo('repo-sw2');
  assert.equal((await landCampaign({ from: s, repo: repo2, allowSoftwareDevice: true })).model.replaced, true);
});

test('a stale, foreign or corrupt checkpoint and a broken export change nothing', async () => {
  const repo = makeRepo('repo-bad');
  await landCampaign({ from: await makeSlice({ images: 200, pitchAccuracy: 0.5, date: '2026-11-27T12:00:00Z' }), repo });
  const snapshot = () => ['models/default-run/checkpoint.gsck', 'models/default-run/metrics.jsonl', 'models/default/model-card.json'].map((f) => readFileSync(join(repo, f)).toString('base64'));
  const before = snapshot();
  await assert.rejects(landCampaign({ from: await makeSlice({ images: 100, pitchAccuracy: 0.9, date: '2026-11-27T13:00:00Z' }), repo }), /\(100 images\) is older than .*\(200 images\)/);
  await assert.rejects(landCampaign({ from: await makeSlice({ images: 300, pitchAccuracy: 0.9, date: '2026-11-27T14:00:00Z', createdAt: '2026-01-01T00:00:00.000Z' }), repo }), /is another run/);
  const corrupt = await makeSlice({ images: 300, pitchAccuracy: 0.9, date: '2026-11-27T15:00:00Z' });
  const bytes = readFileSync(join(corrupt, 'checkpoint.gsck'));
  bytes[bytes.length - 5]! ^= 1;
  writeFileSync(join(corrupt, 'checkpoint.gsck'), bytes);
  await assert.rejects(landCampaign({ from: corrupt, repo }), /checkpoint\.gsck: payload CRC32C mismatch/);
  await assert.rejects(landCampaign({ from: await makeSlice({ images: 300, pitchAccuracy: 0.9, date: '2026-11-27T16:00:00Z', brokenExport: true }), repo }), /has no weights_manifest\.json; models\/default left as it was/);
  assert.deepEqual(snapshot(), before);
  assert.equal(readdirSync(join(repo, 'bench/results')).length, 1, 'no bench report of a refused slice');
});

test('replaceDefaultModel swaps the whole directory, or leaves it as it was', () => {
  const models = join(root, 'swap/models');
  mkdirSync(join(models, 'default'), { recursive: true });
  writeFileSync(join(models, 'default/old-only.txt'), 'old');
  const src = join(root, 'swap/export');
  mkdirSync(src, { recursive: true });
  writeFileSync(join(src, 'model.json'), '{}');
  writeFileSync(join(src, 'weights_manifest.json'), JSON.stringify([{ paths: ['w.bin'] }]));
  assert.throws(() => replaceDefaultModel(models, src, {} as never), /names w\.bin, which is missing/);
  assert.deepEqual(readdirSync(models), ['default']);
  assert.deepEqual(readdirSync(join(models, 'default')), ['old-only.txt']);
  writeFileSync(join(src, 'w.bin'), 'w');
  const c = { name: 'n', date: 'd', config: 'tiny', step: 1, images: 2, stage: 0, metrics: { generated: { pitchAccuracy: 0.1, pitchAccuracyCi95: 0, pitchEntropy: 0, inceptionScore: 0, fid: 0, ndb: '0/0' }, realCeiling: null, classifierHeldOutAccuracy: null, f0: null }, dataset: { recipe: 'r', soundfont: 's' }, device: { gpu: 'g', webgpuAdapter: 'a' } };
  replaceDefaultModel(models, src, { format: 'gansynth-model-card/1', ...c });
  assert.deepEqual(readdirSync(models), ['default']);
  assert.deepEqual(readdirSync(join(models, 'default')).sort(), ['README.md', 'model-card.json', 'model.json', 'w.bin', 'weights_manifest.json']);
});
