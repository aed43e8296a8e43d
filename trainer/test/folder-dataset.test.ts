/**
 * `dataset --from-folder` on a folder of long phrases rendered from FluidR3Mono at known onsets and pitches: a
 * 44.1 kHz stereo WAV (piano), a 48 kHz float WAV (violin) in a subfolder with a space in its name, a 22.05 kHz FLAC
 * (guitar), a 44.1 kHz MP3 (acoustic bass, 28–45), two one-note files (one cut to start at its first sample),
 * noise bursts, a silent file, a corrupt FLAC and a text file.
 * Checked: ≥ 90 % of the rendered notes found within 80 ms of their onset, every kept note's pitch exactly the
 * rendered one (no note kept that was not rendered), every note of a file in one split, same bytes on a rerun,
 * noise dropped and listed with its time, bad files skipped naming them, the summary's counts, the input never
 * written. A second, smaller folder goes on through `train` (2 steps, tiny config) and `export`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeWav } from 'gansynth-web/shared/wav';
import { renderSoundfontNote } from '../src/data/soundfont.ts';
import { main as datasetMain } from '../src/commands/dataset.ts';
import { main as trainMain } from '../src/commands/train.ts';
import { main as exportMain } from '../src/commands/export.ts';
import { readNsynthIndex } from '../src/data/nsynth-json.ts';
import type { FolderDatasetSummary } from '../src/data/folder-dataset.ts';
import { readMetrics } from '../src/train/metrics-log.ts';
import { encodeFlac16, encodeMp3 } from './audio-fixtures.ts';

const ROOT = join('.test-out', 'folder-dataset');
const IN = join(ROOT, 'my samples');

interface Rendered { file: string; onsetSec: number; pitch: number }

/** Renders `pitches` of `program` one after another with gaps; returns the mono phrase and the truth. */
async function phrase(file: string, program: number, pitches: number[], rateHz: number, truth: Rendered[]): Promise<Float32Array> {
  const out = new Float32Array(Math.round(rateHz * Math.max(5, 0.5 + pitches.length * 1.3)));
  let t = 0.3;
  for (const [i, pitch] of pitches.entries()) {
    const heldSec = 0.5 + 0.25 * (i % 3);
    const note = await renderSoundfontNote({ program, pitch, velocity: 70 + 15 * (i % 3), heldSec, releaseSec: 0.35, sampleRateHz: rateHz });
    const at = Math.round(t * rateHz);
    for (let k = 0; k < note.length && at + k < out.length; k++) out[at + k] += note[k];
    truth.push({ file, onsetSec: t, pitch });
    t += heldSec + 0.3 + 0.1 * (i % 2);
  }
  // At least 5 s: a file of 4.5 s or less is taken as one note.
  return out.subarray(0, Math.min(out.length, Math.round(Math.max(5, t + 0.2) * rateHz)));
}

async function makeFolder(): Promise<Rendered[]> {
  rmSync(ROOT, { recursive: true, force: true });
  mkdirSync(join(IN, 'strings take'), { recursive: true });
  const truth: Rendered[] = [];
  const piano = await phrase('piano.wav', 0, [36, 43, 48, 55, 60, 67, 72, 79, 52], 44100, truth);
  writeFileSync(join(IN, 'piano.wav'), encodeWav([piano.map((x) => 0.9 * x), piano.map((x) => 0.6 * x)], 44100));
  const violin = await phrase('strings take/violin 1.wav', 40, [55, 62, 69, 76, 57, 64, 71], 48000, truth);
  writeFileSync(join(IN, 'strings take', 'violin 1.wav'), encodeWav([violin], 48000, 'float32'));
  const guitar = await phrase('guitar.flac', 24, [40, 47, 52, 59, 64, 45, 50], 22050, truth);
  writeFileSync(join(IN, 'guitar.flac'), encodeFlac16([guitar], 22050));
  const bass = await phrase('bass.mp3', 32, [28, 33, 38, 43, 31, 36], 44100, truth);
  writeFileSync(join(IN, 'bass.mp3'), encodeMp3([bass], 44100, 128));
  const one = await renderSoundfontNote({ program: 73, pitch: 74, velocity: 90, heldSec: 2.5, releaseSec: 0.5, sampleRateHz: 32000 });
  const oneFile = new Float32Array(one.length + 3200);
  oneFile.set(one, 3200);
  writeFileSync(join(IN, 'flute D5.wav'), encodeWav([oneFile], 32000));
  truth.push({ file: 'flute D5.wav', onsetSec: 0.1, pitch: 74 });
  // A one-shot cut hard into its attack (full level from the first sample), and a silent file.
  const shot = await renderSoundfontNote({ program: 0, pitch: 50, velocity: 100, heldSec: 1.5, releaseSec: 0.5 });
  const shotPeak = shot.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  writeFileSync(join(IN, 'piano D3 trimmed.wav'), encodeWav([shot.subarray(shot.findIndex((v) => Math.abs(v) > 0.3 * shotPeak))], 16000));
  truth.push({ file: 'piano D3 trimmed.wav', onsetSec: 0, pitch: 50 });
  writeFileSync(join(IN, 'silence.wav'), encodeWav([new Float32Array(32000)], 16000));
  // Noise bursts: onsets, but no pitch.
  let seed = 7;
  const noise = new Float32Array(16000 * 5);
  for (let b = 0; b < 3; b++) {
    for (let k = 0; k < 12000; k++) {
      seed = (seed * 16807) % 2147483647;
      noise[Math.round((0.3 + 1.5 * b) * 16000) + k] = 0.4 * (seed / 2147483647 - 0.5) * Math.exp(-k / 5000);
    }
  }
  writeFileSync(join(IN, 'noise.wav'), encodeWav([noise], 16000));
  writeFileSync(join(IN, 'broken.flac'), Buffer.concat([Buffer.from('fLaC'), Buffer.alloc(300, 0x5a)]));
  writeFileSync(join(IN, 'notes.txt'), 'recorded in the kitchen\n');
  return truth;
}

/** Every file under `dir` with its bytes. */
function snapshot(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) {
      const p = join(e.parentPath, e.name);
      out.set(p.slice(dir.length), readFileSync(p));
    }
  }
  return out;
}

test('dataset --from-folder: notes found at the rendered onsets and pitches, split by file, noise and bad files listed', async () => {
  const t0 = performance.now();
  const truth = await makeFolder();
  const inputBefore = snapshot(IN);
  const out = join(ROOT, 'data');
  const logged: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => void logged.push(a.join(' '));
  try {
    await datasetMain(['--from-folder', IN, '--out', out, '--no-progress']);
  } finally {
    console.log = log;
  }
  const summary = JSON.parse(readFileSync(join(out, 'dataset.json'), 'utf8')) as FolderDatasetSummary;

  // Notes: the kept ones against the rendered ones.
  // The reader the trainer uses (readNsynthIndex) keeps NSynth's fields; the raw index adds source_file, onset_sec.
  const kept = ['train', 'valid', 'test'].flatMap((split) => {
    const dir = join(out, `nsynth-${split}`);
    const raw = JSON.parse(readFileSync(join(dir, 'examples.json'), 'utf8')) as Record<string, Record<string, unknown>>;
    return readNsynthIndex(dir).map((m) => ({ ...raw[m.note_str], split, pitch: m.pitch, note_str: m.note_str }) as Record<string, unknown> & { split: string; pitch: number; note_str: string });
  });
  const rendered = truth.filter((r) => r.pitch >= 24 && r.pitch <= 84);
  let found = 0;
  let worstOnsetSec = 0;
  for (const r of rendered) {
    const k = kept.find((n) => n.source_file === r.file && Math.abs((n.onset_sec as number) - r.onsetSec) <= 0.05);
    if (k && k.pitch === r.pitch) found++;
    if (k) worstOnsetSec = Math.max(worstOnsetSec, Math.abs((k.onset_sec as number) - r.onsetSec));
  }
  const wrong = kept.filter((n) => !rendered.some((r) => r.file === n.source_file && Math.abs((n.onset_sec as number) - r.onsetSec) <= 0.08 && r.pitch === n.pitch));
  assert.deepEqual(wrong.map((n) => n.note_str), [], 'every kept note is a rendered note at its pitch');
  assert.ok(found >= 0.9 * rendered.length, `found ${found} of ${rendered.length} rendered notes at their pitch`);
  assert.equal(kept.length, summary.counts.kept);
  for (const n of kept) {
    assert.match(n.note_str, /^[A-Za-z0-9_]+_t\d{7}ms-\d{3}-100$/);
    assert.ok(n.note_str.includes(`_t${String(Math.round((n.onset_sec as number) * 1000)).padStart(7, '0')}ms-`), `${n.note_str} names its onset`);
    const wav = readFileSync(join(out, `nsynth-${n.split}`, 'audio', `${n.note_str}.wav`));
    assert.equal(wav.length, 44 + 64000 * 2, `${n.note_str}: 4 s of 16-bit mono`);
  }
  assert.equal(new Set(kept.map((n) => n.note_str)).size, kept.length, 'names are unique');
  assert.ok(kept.some((n) => n.source_file === 'strings take/violin 1.wav' && n.instrument_str === 'strings_take_violin_1'));
  assert.ok(kept.some((n) => n.source_file === 'bass.mp3' && n.pitch === 28), 'MP3 decoded, low E found');
  assert.ok(kept.some((n) => n.source_file === 'guitar.flac'), 'FLAC decoded');
  assert.deepEqual(kept.filter((n) => n.source_file === 'flute D5.wav').map((n) => n.pitch), [74], 'a one-note file is one note');
  assert.deepEqual(kept.filter((n) => n.source_file === 'piano D3 trimmed.wav').map((n) => [n.pitch, n.onset_sec]), [[50, 0]], 'a one-shot sounding from its first sample');

  // Split by source file, and every split's files are disjoint.
  const splitOfFile = new Map<string, string>();
  for (const n of kept) {
    const file = n.source_file as string;
    assert.equal(splitOfFile.get(file) ?? n.split, n.split, `${file} has notes in two splits`);
    splitOfFile.set(file, n.split);
  }
  assert.deepEqual(summary.files.filter((f) => f.notes > 0).map((f) => [f.file, f.split]).sort(), [...splitOfFile].sort());
  assert.ok(summary.counts.train > 0);

  // Dropped, skipped, summary.
  const noiseDrops = summary.dropped.filter((d) => d.file === 'noise.wav');
  assert.equal(noiseDrops.length, 3, JSON.stringify(summary.dropped));
  for (const d of noiseDrops) assert.match(d.reason, /pitch unclear/);
  assert.deepEqual(noiseDrops.map((d) => Math.round(d.timeSec * 10) / 10), [0.3, 1.8, 3.3]);
  assert.ok(!kept.some((n) => n.source_file === 'noise.wav'));
  assert.match(summary.skipped.find((s) => s.file === 'broken.flac')?.reason ?? '', /FLAC/);
  assert.match(summary.skipped.find((s) => s.file === 'notes.txt')?.reason ?? '', /not a \.wav, \.flac or \.mp3/);
  assert.match(summary.skipped.find((s) => s.file === 'silence.wav')?.reason ?? '', /no onset found/);
  assert.equal(Object.values(summary.notesPerPitch).reduce((a, b) => a + b, 0), kept.length);
  const keptPitches = new Set(kept.map((n) => n.pitch));
  assert.deepEqual(summary.missingPitches, Array.from({ length: 61 }, (_, i) => 24 + i).filter((p) => !keptPitches.has(p)));
  assert.match(logged.join('\n'), /missing pitches \(24–84\): 24–27, 29–30, 32, 34–35, 37, 39, 41–42, 44, 46, 49, 51, 53–54, /);
  assert.match(logged.join('\n'), /dropped noise\.wav @ 0\.\d+ s: pitch unclear/);
  assert.match(logged.join('\n'), /skipped broken\.flac: /);

  // Deterministic, and a rerun replaces its own earlier output; the input untouched.
  const first = snapshot(out);
  console.log = () => {};
  try {
    await datasetMain(['--from-folder', IN, '--out', out, '--no-progress']);
  } finally {
    console.log = log;
  }
  const second = snapshot(out);
  first.delete('/dataset.json');
  second.delete('/dataset.json');
  assert.deepEqual([...second.keys()].sort(), [...first.keys()].sort());
  for (const [k, v] of first) assert.ok(v.equals(second.get(k)!), `${k} differs on a rerun`);
  assert.deepEqual(snapshot(IN), inputBefore, 'the input folder is unchanged');
  writeFileSync(join(out, 'mine.txt'), 'not ours');
  await assert.rejects(datasetMain(['--from-folder', IN, '--out', out]), /holds other files \(mine\.txt\)/);
  await assert.rejects(datasetMain(['--from-folder', IN, '--out', join(IN, 'out')]), /inside the input folder/);
  await assert.rejects(datasetMain(['--from-folder', join(ROOT, 'nowhere')]), /no such folder/);
  await assert.rejects(datasetMain(['--from-folder', IN, '--out', join(ROOT, 'x'), '--programs', '0']), /SoundFont option/);
  console.log(`folder dataset: ${found}/${rendered.length} notes found at their pitch (onsets within ${(worstOnsetSec * 1000).toFixed(0)} ms), ${summary.counts.dropped} dropped, ${((performance.now() - t0) / 1000).toFixed(1)} s`);

});

test('dataset --from-folder → train (2 steps, tiny) → export: the trainer reads the folder dataset as NSynth', async () => {
  const root = join(ROOT, 'train');
  const input = join(root, 'in');
  rmSync(root, { recursive: true, force: true });
  mkdirSync(input, { recursive: true });
  const truth: Rendered[] = [];
  writeFileSync(join(input, 'guitar.wav'), encodeWav([await phrase('guitar.wav', 24, [48, 55, 60], 16000, truth)], 16000));
  writeFileSync(join(input, 'flute.wav'), encodeWav([await phrase('flute.wav', 73, [67, 72], 16000, truth)], 16000));
  const out = join(root, 'data');
  const log = console.log;
  console.log = () => {};
  try {
    await datasetMain(['--from-folder', input, '--out', out, '--no-progress']);
  } finally {
    console.log = log;
  }
  const train = readNsynthIndex(join(out, 'nsynth-train'));
  assert.deepEqual(train.map((m) => m.pitch).sort(), truth.map((r) => r.pitch).sort(), 'two files: both in train, every note found');
  const run = join(root, 'run');
  await trainMain(['--config', 'tiny', '--data', out, '--out', run, '--backend', 'cpu', '--steps', '2', '--checkpoint-every', '2', '--no-progress']);
  const metrics = readMetrics(run);
  assert.equal(metrics.length, 2);
  assert.ok(metrics.every((m) => Number.isFinite(m.g_loss) && Number.isFinite(m.d_loss)));
  await exportMain([run, '--out', join(root, 'model')]);
  assert.ok(statSync(join(root, 'model', 'model.json')).isFile());
});
