/**
 * `gansynth render` end to end on a tiny seeded model on the CPU (tfjs wasm backend: the plain 'cpu' backend
 * takes ~15 s per note on this shared machine, wasm ~1 s): onsets at the right sample, note length with
 * release, velocity levels, loop extension past 4 s, count; same seed → same bytes; bad input → clear errors.
 * Before a trained model exists the audio is structured noise, so the tests measure time and level, not timbre.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { TINY_CONFIG } from '../../src/shared/model-config.ts';
import { decodeWav } from '../../src/shared/wav.ts';
import { initGeneratorParams } from '../../src/engine/generator.ts';
import { saveModelDir } from '../../src/node/model-io.ts';
import { useNodeBackend } from '../../src/node/backends.ts';
import { main as renderMain } from '../../src/node/cli/render.ts';
import { CliUsageError, type CliIo } from '../../src/node/cli/common/io.ts';
import { writeMidi } from '../../support/midi-fixtures.ts';

const OUT = join(import.meta.dirname, '../../.test-out/midi-render');
const MODEL = join(OUT, 'tiny-model');
const PRESETS = join(OUT, 'presets.json');

function captureIo(): CliIo & { lines: string[] } {
  const lines: string[] = [];
  return { lines, out: (l) => lines.push(l), err: (l) => lines.push(`ERR ${l}`) };
}

async function render(midi: Uint8Array, name: string, flags: string[]): Promise<{ samples: Float32Array; rateHz: number; bytes: Uint8Array; log: string[] }> {
  const midiPath = join(OUT, `${name}.mid`);
  const wavPath = join(OUT, `${name}.wav`);
  await writeFile(midiPath, midi);
  const io = captureIo();
  await renderMain([midiPath, '--model', MODEL, '--out', wavPath, '--backend', 'wasm', ...flags], io);
  const bytes = new Uint8Array(await readFile(wavPath));
  const wav = decodeWav(bytes);
  return { samples: wav.channels[0]!, rateHz: wav.sampleRateHz, bytes, log: io.lines };
}

/** Runs of non-silent audio: [startFrame, endFrame) where |x| > threshold, gaps shorter than `minGap` merged. */
function soundRuns(x: Float32Array, threshold: number, minGap: number): [number, number][] {
  const runs: [number, number][] = [];
  let start = -1;
  let lastLoud = -Infinity;
  for (let i = 0; i < x.length; i++) {
    if (Math.abs(x[i]!) > threshold) {
      if (start < 0 || i - lastLoud > minGap) {
        if (start >= 0) runs.push([start, lastLoud + 1]);
        start = i;
      }
      lastLoud = i;
    }
  }
  if (start >= 0) runs.push([start, lastLoud + 1]);
  return runs;
}

const peakOf = (x: Float32Array, a: number, b: number) => {
  let p = 0;
  for (let i = a; i < b; i++) p = Math.max(p, Math.abs(x[i]!));
  return p;
};

before(async () => {
  await useNodeBackend('wasm');
  await mkdir(OUT, { recursive: true });
  const params = initGeneratorParams(TINY_CONFIG, 11);
  await saveModelDir(MODEL, { config: TINY_CONFIG, params, meta: { name: 'midi-render test model' } });
  Object.values(params).forEach((t) => t.dispose());
  await writeFile(PRESETS, JSON.stringify([{ name: 'one', latent: { seed: 5 } }, { name: 'two', latent: { seed: 6 } }]));
  // Warm-up render: the spectral code caches constant tensors (mel matrices) on first use; the leak checks below
  // compare renders after that.
  await render(writeMidi([{ notes: [{ pitch: 60, startSec: 0, durationSec: 0.2 }] }]), 'warmup', []);
});

// Same pitch, one preset: every note plays the same render, so levels compare exactly (velocity² gain).
const SPACED = writeMidi([{ notes: [
  { pitch: 48, startSec: 0.25, durationSec: 0.5, velocity: 1 },
  { pitch: 48, startSec: 1.5, durationSec: 0.5, velocity: 64 / 127 },
  { pitch: 48, startSec: 2.75, durationSec: 1.0, velocity: 1 },
  { pitch: 48, startSec: 4.5, durationSec: 6.0, velocity: 1 }, // longer than the model's 4 s: looped
] }]);

for (const rateHz of [16000, 44100]) {
  test(`onsets, lengths, velocity levels, count, loop past 4 s at ${rateHz} Hz`, async () => {
    const tensorsBefore = tf.memory().numTensors;
    const { samples, log } = await render(SPACED, `spaced-${rateHz}`, ['--presets', PRESETS, '--preset', 'one', '--rate', String(rateHz), '--format', 'float']);
    assert.equal(tf.memory().numTensors, tensorsBefore, 'no tensors leak');
    assert.match(log.join('\n'), /4 notes \(1 distinct renders\)/);
    const hop = Math.round((512 * rateHz) / 16000);
    const peak = peakOf(samples, 0, samples.length);
    assert.ok(peak > 0, 'not silent');
    // Threshold well above numerical dust, well below any note's level; gaps < 50 ms belong to one note.
    const runs = soundRuns(samples, peak * 1e-4, Math.round(0.05 * rateHz));
    assert.equal(runs.length, 4, `4 notes, got runs ${JSON.stringify(runs)}`);
    const starts = [0.25, 1.5, 2.75, 4.5];
    const ends = [0.75, 2.0, 3.75, 10.5].map((e) => e + 0.3); // note end + the 0.3 s release
    runs.forEach(([a, b], i) => {
      assert.ok(Math.abs(a - starts[i]! * rateHz) <= hop, `onset ${i} at ${a}, want ${starts[i]! * rateHz} ± ${hop}`);
      assert.ok(Math.abs(b - ends[i]! * rateHz) <= hop, `end ${i} at ${b}, want ${ends[i]! * rateHz} ± ${hop}`);
    });
    // Velocity 64 vs 127 → gain (64/127)² in the same render at the same position.
    const p0 = peakOf(samples, runs[0]![0], runs[0]![0] + Math.round(0.5 * rateHz));
    const p1 = peakOf(samples, runs[1]![0], runs[1]![0] + Math.round(0.5 * rateHz));
    assert.ok(Math.abs(p1 / p0 - (64 / 127) ** 2) < 0.01, `velocity gain ${p1 / p0}, want ${(64 / 127) ** 2}`);
    // The 6 s note keeps sounding past the buffer's 4 s (the loop): no silent quarter second in 5..10 s.
    for (let t = 5; t < 10; t += 0.25) {
      const q = peakOf(samples, Math.round(t * rateHz), Math.round((t + 0.25) * rateHz));
      assert.ok(q > p0 * 0.01, `looped note audible at ${t} s (${q} vs first note ${p0})`);
    }
    assert.ok(samples.length >= Math.round(10.8 * rateHz), 'mix covers the last release');
  });
}

test('same seed → identical WAV bytes; another seed → different', async () => {
  // Two notes of one pitch 1 s apart, anchors every 2 s: two latents (slerp at 0 s and at 1 s), two renders.
  const midi = writeMidi([{ notes: [{ pitch: 60, startSec: 0, durationSec: 0.5 }, { pitch: 60, startSec: 1, durationSec: 0.5 }] }]);
  const a = await render(midi, 'seed-a', ['--seed', '5']);
  const b = await render(midi, 'seed-b', ['--seed', '5']);
  const c = await render(midi, 'seed-c', ['--seed', '6']);
  assert.deepEqual(a.bytes, b.bytes);
  assert.notDeepEqual(a.bytes, c.bytes);
  assert.match(a.log.join('\n'), /2 notes \(2 distinct renders\)/);
  assert.match(a.log.join('\n'), /ms\/note/);
  // Peak normalisation to -1 dBFS (pcm16 rounding: within one LSB).
  assert.ok(Math.abs(peakOf(a.samples, 0, a.samples.length) - 10 ** (-1 / 20)) < 2 / 32768);
});

test('bad input → clear errors before any model work, and no WAV written', async () => {
  const good = writeMidi([{ notes: [{ pitch: 60, startSec: 0, durationSec: 1 }] }]);
  const cases: [string, Uint8Array, string[], RegExp][] = [
    ['truncated', good.slice(0, good.length - 4), [], /truncated MIDI file/],
    ['garbage', new TextEncoder().encode('this is not midi at all'), [], /not a MIDI file/],
    ['nonotes', writeMidi([{ notes: [] }]), [], /no notes to render/],
    ['drums', writeMidi([{ channel: 9, notes: [{ pitch: 36, startSec: 0, durationSec: 0.2 }] }]), [], /1 drum notes/],
    ['badtrack', good, ['--tracks', '5'], /track 5 does not exist/],
    ['badpreset', good, ['--presets', PRESETS, '--preset', 'nope'], /no preset named 'nope'.*one, two/],
  ];
  for (const [name, bytes, flags, re] of cases) {
    await assert.rejects(render(bytes, `bad-${name}`, flags), re, name);
    assert.ok(!existsSync(join(OUT, `bad-${name}.wav`)), `${name}: no WAV written`);
  }
  const io = captureIo();
  const midiPath = join(OUT, 'bad-truncated.mid');
  await assert.rejects(renderMain([midiPath, '--model', MODEL, '--out', join(OUT, 'x.wav'), '--rate', '12345'], io), CliUsageError);
  await assert.rejects(renderMain([midiPath, '--model', MODEL, '--out', join(OUT, 'x.wav'), '--gain', 'loud'], io), /--gain must be a number/);
  await assert.rejects(renderMain([midiPath, '--model', MODEL], io), /--out is required/);
  await assert.rejects(renderMain([join(OUT, 'missing.mid'), '--model', MODEL, '--out', join(OUT, 'x.wav')], io), /cannot read MIDI file .*ENOENT/);
  await assert.rejects(renderMain(['a.mid', 'b.mid', '--model', MODEL, '--out', join(OUT, 'x.wav')], io), /exactly one MIDI file/);
});

test('--list prints the tracks without a model', async () => {
  const midiPath = join(OUT, 'list.mid');
  await writeFile(midiPath, writeMidi([
    { channel: 0, notes: [{ pitch: 60, startSec: 0, durationSec: 1 }] },
    { channel: 9, notes: [{ pitch: 36, startSec: 0, durationSec: 0.1 }] },
  ]));
  const io = captureIo();
  await renderMain([midiPath, '--list'], io);
  assert.match(io.lines.join('\n'), /track 0: channel 1, 1 notes[\s\S]*track 1: channel 10, 1 notes[\s\S]*1 notes selected/);
});
