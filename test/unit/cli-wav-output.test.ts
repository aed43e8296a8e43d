/**
 * No silent clipping: the WAV output of `gansynth render` / `generate`. The leveller and encoder on known signals
 * (float WAV header and exact round trip, -1 dBFS peak normalisation, an exact clipped-sample count), the flags'
 * defaults, then the CLIs: on a tiny seeded model (printed gain and count against the raw float render of the
 * same notes), and without --model, which loads the built-in models/default (the seeded untrained `paper`
 * generator: one note on wasm, ≈2 s) wherever the working directory is.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { TINY_CONFIG } from '../../src/shared/model-config.ts';
import { decodeWav, encodeLeveledWav, encodeWav, levelWav } from '../../src/shared/wav.ts';
import { initGeneratorParams } from '../../src/engine/generator.ts';
import { saveModelDir } from '../../src/node/model-io.ts';
import { useNodeBackend } from '../../src/node/backends.ts';
import { runCli } from '../../src/node/cli/index.ts';
import { DEFAULT_MODEL_PATH } from '../../src/node/cli/common/synth-session.ts';
import { parseWavOutput } from '../../src/node/cli/common/wav-output.ts';
import { writeMidi } from '../../support/midi-fixtures.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const OUT = join(ROOT, '.test-out/cli-wav-output');
const MODEL = join(OUT, 'tiny-model');
const MIDI = join(OUT, 'two-notes.mid');
const TARGET = 10 ** (-1 / 20);

const dbfs = (x: number) => 20 * Math.log10(x);
const peakOf = (x: Float32Array) => x.reduce((p, v) => Math.max(p, Math.abs(v)), 0);
const countOver = (x: Float32Array, gainLinear: number) => x.reduce((n, v) => n + (Math.abs(v * gainLinear) > 1 ? 1 : 0), 0);

async function cli(argv: string[]): Promise<string> {
  const lines: string[] = [];
  const code = await runCli(argv, { out: (l) => lines.push(l), err: (l) => lines.push(`ERR ${l}`) });
  assert.equal(code, 0, lines.join('\n'));
  return lines.join('\n');
}

/** The number after `label` in a log line, e.g. gain "+4.61" from "gain +4.61 dB". */
function logged(log: string, re: RegExp): number {
  const m = re.exec(log);
  assert.ok(m, `${re} in:\n${log}`);
  return Number(m[1]);
}

before(async () => {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  await useNodeBackend('wasm');
  const params = initGeneratorParams(TINY_CONFIG, 31);
  await saveModelDir(MODEL, { config: TINY_CONFIG, params, meta: { name: 'wav-output test model' } });
  tf.dispose(Object.values(params));
  writeFileSync(MIDI, writeMidi([{ notes: [{ pitch: 48, startSec: 0, durationSec: 0.4 }, { pitch: 60, startSec: 0.5, durationSec: 0.4 }] }]));
});

after(() => process.chdir(ROOT));

test('float WAV: IEEE float header (tag 3, 32 bits, cbSize, fact) and every value back exactly, beyond ±1 too', () => {
  const left = Float32Array.from([0, 0.25, -0.5, 1.5, -2, 1e-7, 0.1]);
  const right = Float32Array.from([1, -1, 3.25, -0.125, 0, 0.333, -1e-30]);
  const bytes = encodeWav([left, right], 44100, 'float32');
  const v = new DataView(bytes.buffer, bytes.byteOffset);
  const tag = (o: number) => String.fromCharCode(...bytes.subarray(o, o + 4));
  assert.equal(tag(12), 'fmt ');
  assert.equal(v.getUint32(16, true), 18, 'fmt chunk with cbSize');
  assert.equal(v.getUint16(20, true), 3, 'WAVE_FORMAT_IEEE_FLOAT');
  assert.equal(v.getUint16(22, true), 2);
  assert.equal(v.getUint32(24, true), 44100);
  assert.equal(v.getUint32(28, true), 44100 * 2 * 4);
  assert.equal(v.getUint16(32, true), 8);
  assert.equal(v.getUint16(34, true), 32, 'bits per sample');
  assert.equal(v.getUint16(36, true), 0, 'cbSize');
  assert.equal(tag(38), 'fact');
  assert.equal(v.getUint32(46, true), left.length, 'fact: frames');
  assert.equal(tag(50), 'data');
  assert.equal(v.getUint32(54, true), left.length * 2 * 4);
  assert.equal(v.getUint32(4, true), bytes.length - 8, 'RIFF size');
  const back = decodeWav(bytes);
  assert.deepEqual(back.channels, [left, right]);
  // pcm16 keeps its plain 44-byte header.
  const pcm = encodeWav([left], 16000, 'pcm16');
  assert.equal(pcm.length, 44 + 2 * left.length);
  assert.equal(new DataView(pcm.buffer).getUint16(20, true), 1);
});

test('pcm16 normalised: peak at -1 dBFS within 0.01 dB, the reported gain is target/peak', () => {
  const x = Float32Array.from({ length: 4000 }, (_, i) => 0.3 * Math.sin(i * 0.05) * Math.exp(-i / 2000));
  const raw = peakOf(x);
  const { bytes, report } = encodeLeveledWav([x], 16000, 'pcm16', { kind: 'peak', peakDbfs: -1 });
  const decoded = decodeWav(bytes).channels[0]!;
  assert.ok(Math.abs(dbfs(peakOf(decoded)) + 1) < 0.01, `peak ${dbfs(peakOf(decoded))} dBFS`);
  assert.ok(Math.abs(report.gainDb - (-1 - dbfs(raw))) < 1e-9, `gain ${report.gainDb}`);
  assert.ok(Math.abs(report.peakDbfs + 1) < 1e-6);
  assert.equal(report.overSamples, 0);
  // Too loud works the same way down: a +12 dBFS signal gets about -13 dB and nothing clips.
  const loud = x.map((s) => s * 13.3);
  const l = encodeLeveledWav([loud], 16000, 'pcm16', { kind: 'peak', peakDbfs: -1 });
  assert.ok(Math.abs(l.report.gainDb - (-1 - dbfs(peakOf(loud)))) < 1e-9);
  assert.ok(Math.abs(dbfs(peakOf(decodeWav(l.bytes).channels[0]!)) + 1) < 0.01);
  // Silence stays silence: gain 0 dB, no NaN.
  const s = levelWav([new Float32Array(100)], { kind: 'peak', peakDbfs: -1 });
  assert.deepEqual([s.gainDb, s.peakDbfs, s.overSamples], [0, -Infinity, 0]);
  assert.throws(() => levelWav([Float32Array.from([0.5, Number.NaN, 0.5])], { kind: 'peak', peakDbfs: -1 }), /non-finite/);
});

test('raw levels: the clipped count is exact (|x| > 1 only), and those samples are at full scale in the file', () => {
  // 5 over: 1.5, -2, 1.0001, -1.01, 7; at or under full scale: 1, -1, 0.99, 0.
  const x = Float32Array.from([0, 1.5, 1, -2, 0.99, 1.0001, -1, -1.01, 7]);
  const { bytes, report } = encodeLeveledWav([x], 16000, 'pcm16', { kind: 'fixed', gainDb: 0 });
  assert.equal(report.overSamples, 5);
  assert.equal(report.gainDb, 0);
  assert.ok(Math.abs(report.peakDbfs - dbfs(7)) < 1e-9);
  assert.deepEqual(Array.from(decodeWav(bytes).channels[0]!, (v) => Math.round(v * 32768)), [0, 32767, 32767, -32767, 32439, 32767, -32767, -32767, 32767]);
  // +6.0206 dB doubles: 0.5 → 1 stays in, 0.51 and 0.99 go over; float keeps the doubled values.
  const y = Float32Array.from([0.5, 0.51, -0.99, 0.25]);
  const f = encodeLeveledWav([y], 16000, 'float32', { kind: 'fixed', gainDb: dbfs(2) });
  assert.equal(f.report.overSamples, 2);
  assert.deepEqual(Array.from(decodeWav(f.bytes).channels[0]!), Array.from(y, (v) => Math.fround(v * 2)));
});

test('output flags: pcm16 normalises by default, float keeps raw levels unless --normalize', () => {
  assert.deepEqual(parseWavOutput({}), { format: 'pcm16', level: { kind: 'peak', peakDbfs: -1 } });
  assert.deepEqual(parseWavOutput({ 'no-normalize': true }), { format: 'pcm16', level: { kind: 'fixed', gainDb: 0 } });
  assert.deepEqual(parseWavOutput({ format: 'float' }), { format: 'float32', level: { kind: 'fixed', gainDb: 0 } });
  assert.deepEqual(parseWavOutput({ format: 'float32', normalize: true }), { format: 'float32', level: { kind: 'peak', peakDbfs: -1 } });
  assert.deepEqual(parseWavOutput({ gain: '-6' }), { format: 'pcm16', level: { kind: 'fixed', gainDb: -6 } });
  assert.throws(() => parseWavOutput({ format: '24' }), /--format must be one of pcm16\|float/);
  assert.throws(() => parseWavOutput({ normalize: true, 'no-normalize': true }), /contradict/);
  assert.throws(() => parseWavOutput({ normalize: true, gain: '0' }), /cannot be combined/);
  assert.throws(() => parseWavOutput({ gain: '61' }), /--gain must be in -120..60/);
});

test('render (tiny model): printed gain and clip counts match the raw float render of the same notes', async () => {
  const base = [MIDI, '--model', MODEL, '--backend', 'wasm', '--seed', '3'];
  const rawLog = await cli(['render', ...base, '--out', join(OUT, 'raw.wav'), '--format', 'float']);
  const rawWav = readFileSync(join(OUT, 'raw.wav'));
  assert.equal(rawWav.readUInt16LE(20), 3, 'float WAV');
  const raw = decodeWav(rawWav).channels[0]!;
  const rawPeak = peakOf(raw);
  assert.match(rawLog, new RegExp(`float; raw levels: gain \\+0\\.00 dB, peak [+-]${Math.abs(dbfs(rawPeak)).toFixed(2)} dBFS, ${countOver(raw, 1)} samples beyond full scale \\(kept: float\\)`));

  const normLog = await cli(['render', ...base, '--out', join(OUT, 'norm.wav')]);
  const norm = decodeWav(readFileSync(join(OUT, 'norm.wav'))).channels[0]!;
  assert.ok(Math.abs(dbfs(peakOf(norm)) + 1) < 0.01, `normalised peak ${dbfs(peakOf(norm))} dBFS`);
  const gainDb = logged(normLog, /16-bit; normalised: gain ([+-][\d.]+) dB to peak -1\.00 dBFS/);
  assert.ok(Math.abs(gainDb - (-1 - dbfs(rawPeak))) <= 0.005, `printed gain ${gainDb}, raw peak ${dbfs(rawPeak)} dBFS`);

  // Loud on purpose: a fixed gain that puts the raw peak at +6 dBFS; the count is that of the raw float samples.
  const gainArg = (6 - dbfs(rawPeak)).toFixed(3);
  const loudLog = await cli(['render', ...base, '--out', join(OUT, 'loud.wav'), '--no-normalize', `--gain=${gainArg}`]);
  const expected = countOver(raw, 10 ** (Number(gainArg) / 20));
  assert.ok(expected > 0);
  assert.equal(logged(loudLog, /peak \+6\.00 dBFS, (\d+) samples clipped/), expected);
  const loud = decodeWav(readFileSync(join(OUT, 'loud.wav'))).channels[0]!;
  assert.ok(loud.filter((v) => Math.abs(v) >= 32767 / 32768).length >= expected, 'clipped samples sit at full scale');
  // --no-normalize alone: raw levels, and its count (0 is a fine answer) is the raw one.
  const plainLog = await cli(['render', ...base, '--out', join(OUT, 'plain.wav'), '--no-normalize']);
  assert.equal(logged(plainLog, /raw levels: gain \+0\.00 dB, .*, (\d+) samples clipped/), countOver(raw, 1));
});

test('no --model: render and generate use the package\'s models/default, whatever the working directory', async () => {
  assert.equal(DEFAULT_MODEL_PATH, join(ROOT, 'models/default'));
  const elsewhere = join(OUT, 'cwd');
  mkdirSync(elsewhere, { recursive: true });
  writeFileSync(join(elsewhere, 'one.mid'), writeMidi([{ notes: [{ pitch: 60, startSec: 0, durationSec: 0.3 }] }]));
  process.chdir(elsewhere);
  try {
    const renderLog = await cli(['render', 'one.mid', '--out', 'one.wav', '--backend', 'wasm']);
    assert.match(renderLog, new RegExp(`\\(paper, UNTRAINED[^)]*\\) from the built-in default ${join(ROOT, 'models/default').replace(/[/.]/g, '\\$&')} `));
    const wav = decodeWav(readFileSync(join(elsewhere, 'one.wav')));
    assert.ok(Math.abs(dbfs(peakOf(wav.channels[0]!)) + 1) < 0.01);

    // generate: the raw float note, then 16-bit --no-normalize of the same note; its clip count is the float one's.
    const floatLog = await cli(['generate', '--out', 'f', '--format', 'float', '--backend', 'wasm']);
    assert.match(floatLog, /from the built-in default .*models\/default/);
    const floatWav = readFileSync(join(elsewhere, 'f', 'gansynth-p60-s1.wav'));
    assert.equal(floatWav.readUInt16LE(20), 3);
    const raw = decodeWav(floatWav).channels[0]!;
    const pcmLog = await cli(['generate', '--out', 'p', '--no-normalize', '--backend', 'wasm']);
    assert.equal(logged(pcmLog, /raw levels: gain \+0\.00 dB, .*, (\d+) samples clipped/), countOver(raw, 1));
  } finally {
    process.chdir(ROOT);
  }
});
