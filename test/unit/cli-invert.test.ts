/**
 * `gansynth invert` in-process (wasm, a `tiny` model saved with saveModelDir): a note written by `gansynth generate`
 * becomes a one-preset bank file the instrument loads, with the loss of each step and the final distance printed;
 * bad input is refused naming the file.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { useNodeBackend } from '../../src/node/backends.ts';
import { loadModelFromDisk, saveModelDir } from '../../src/node/model-io.ts';
import { initGeneratorParams } from '../../src/engine/generator.ts';
import { TINY_CONFIG } from '../../src/shared/model-config.ts';
import { decodeWav, encodeWav } from '../../src/shared/wav.ts';
import { invertSound } from '../../src/engine/invert.ts';
import { prepareInversionTarget } from '../../src/engine/invert-target.ts';
import { readPresetBankFile } from '../../src/engine/presets.ts';
import { runCli } from '../../src/node/cli/index.ts';
import { parseInvertArgs } from '../../src/node/cli/invert.ts';
import { DEFAULT_MODEL_PATH } from '../../src/node/cli/common/synth-session.ts';
import { captureIo } from './support/cli-io.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const OUT = join(ROOT, '.test-out/cli-invert');
const MODEL = join(OUT, 'tiny-model');

before(async () => {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  await useNodeBackend('wasm');
  const params = initGeneratorParams(TINY_CONFIG, 21);
  await saveModelDir(MODEL, { config: TINY_CONFIG, params, meta: { name: 'tiny cli test' } });
  tf.dispose(Object.values(params));
});

test('invert writes a bank file with one preset named after the WAV, printing the loss per step and the distance', async () => {
  const gen = captureIo();
  assert.equal(await runCli(['generate', '--model', MODEL, '--pitch', '55', '--seed', '7', '--out', join(OUT, 'notes'), '--backend', 'wasm'], gen.io), 0, gen.err.join('\n'));
  const c = captureIo();
  const preset = join(OUT, 'preset.json');
  const code = await runCli(['invert', join(OUT, 'notes', 'gansynth-p55-s7.wav'), '--model', MODEL, '--out', preset, '--steps', '3', '--starts', '2', '--backend', 'wasm'], c.io);
  assert.equal(code, 0, c.err.join('\n'));
  const log = c.out.join('\n');
  assert.match(log, /gansynth-p55-s7\.wav: mono, 16000 Hz, onset at [\d.]+ s, [\d.]+ s from it; pitch 55 \(file name\); 2 starts, 3 steps/);
  for (let step = 0; step <= 3; step++) assert.match(log, new RegExp(`step ${step}/3  loss [\\d.]+ [\\d.]+  best [\\d.]+ \\([\\d.]+ dB\\)`));
  assert.match(log, /final spectral distance [\d.]+ dB RMS log-mel \(best start [\d.]+ dB before the descent\)/);
  const { presets } = readPresetBankFile(readFileSync(preset, 'utf8'));
  assert.equal(presets.length, 1);
  assert.equal(presets[0]!.name, 'gansynth-p55-s7');
  assert.equal(presets[0]!.model, 'tiny cli test');
  assert.equal((presets[0]!.latent as number[]).length, 256);
  // Any 256 numbers would pass the line above: the preset holds the inversion's own latent (same model, target and
  // seed, the CLI's default 1; the descent is deterministic on one backend).
  const model = await loadModelFromDisk(MODEL);
  try {
    const wav = join(OUT, 'notes', 'gansynth-p55-s7.wav');
    const target = prepareInversionTarget(decodeWav(readFileSync(wav)), model.config, { source: 'gansynth-p55-s7.wav' });
    const result = await invertSound(model, target, { steps: 3, starts: 2, seed: 1 });
    assert.deepEqual(presets[0]!.latent, Array.from(result.latent), 'the preset is the inverted latent');
  } finally {
    model.dispose();
  }
});

test('invert refuses bad input naming the file, and bad arguments naming the flag', async () => {
  const silent = join(OUT, 'silent.wav');
  writeFileSync(silent, encodeWav([new Float32Array(32000)], 16000));
  const c = captureIo();
  assert.equal(await runCli(['invert', silent, '--model', MODEL, '--out', join(OUT, 'x.json'), '--backend', 'wasm'], c.io), 1);
  assert.match(c.err.join('\n'), /gansynth invert: silent\.wav: is silent/);
  const notWav = join(OUT, 'text.wav');
  writeFileSync(notWav, 'hello');
  const c2 = captureIo();
  assert.equal(await runCli(['invert', notWav, '--model', MODEL, '--out', join(OUT, 'x.json'), '--backend', 'wasm'], c2.io), 1);
  assert.match(c2.err.join('\n'), /text\.wav: not a RIFF\/WAVE file/);
  assert.throws(() => parseInvertArgs(['a.wav']), /--out is required/);
  assert.throws(() => parseInvertArgs(['a.wav', 'b.wav', '--out', 'p.json']), /exactly one WAV file/);
  assert.throws(() => parseInvertArgs([notWav, '--out', notWav]), /--out .* is the WAV file being read/);
  assert.throws(() => parseInvertArgs(['a.wav', '--out', 'p.json', '--starts', '0']), /--starts must be in 1\.\.256/);
  assert.equal(parseInvertArgs(['a.wav', '--out', 'p.json'])!.model, DEFAULT_MODEL_PATH);
});
