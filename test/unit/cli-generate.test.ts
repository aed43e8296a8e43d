/**
 * `gansynth generate` in-process (wasm backend, a `tiny` model saved with saveModelDir), its argument errors,
 * and the bin/gansynth.js launcher once as a real subprocess.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { useNodeBackend } from '../../src/node/backends.ts';
import { isSoftwareWebgpu } from '../../src/engine/backend.ts';
import { saveModelDir } from '../../src/node/model-io.ts';
import { initGeneratorParams } from '../../src/engine/generator.ts';
import { TINY_CONFIG } from '../../src/shared/model-config.ts';
import { decodeWav } from '../../src/shared/wav.ts';
import { runCli } from '../../src/node/cli/index.ts';
import { parseGenerateArgs } from '../../src/node/cli/generate.ts';
import { DEFAULT_MODEL_PATH } from '../../src/node/cli/common/synth-session.ts';
import { randomLatent } from '../../src/engine/latent.ts';
import { captureIo } from './support/cli-io.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const OUT = join(ROOT, '.test-out/cli-generate');
const MODEL = join(OUT, 'tiny-model');

before(async () => {
  rmSync(OUT, { recursive: true, force: true });
  await useNodeBackend('wasm');
  const params = initGeneratorParams(TINY_CONFIG, 21);
  await saveModelDir(MODEL, { config: TINY_CONFIG, params, meta: { name: 'tiny cli test' } });
  tf.dispose(Object.values(params));
});

test('generate writes one 16-bit WAV per note at the requested rate, reproducibly', async () => {
  const c = captureIo();
  const args = ['generate', '--model', MODEL, '--pitch', '48,60', '--count', '2', '--seed', '7', '--out', join(OUT, 'a'), '--backend', 'wasm', '--rate', '44100'];
  assert.equal(await runCli(args, c.io), 0, c.err.join('\n'));
  const files = readdirSync(join(OUT, 'a')).sort();
  assert.deepEqual(files, ['gansynth-p48-s7.wav', 'gansynth-p48-s8.wav', 'gansynth-p60-s7.wav', 'gansynth-p60-s8.wav']);
  const wav = decodeWav(readFileSync(join(OUT, 'a', files[0]!)));
  assert.equal(wav.sampleRateHz, 44100);
  assert.equal(wav.channels.length, 1);
  assert.equal(wav.channels[0]!.length, 176400);
  assert.ok(wav.channels[0]!.some((v) => v !== 0));
  assert.match(c.out.join('\n'), /4 notes in [\d.]+ s/);
  // Note i depends on seed + i only: --seed 8 --count 1 reproduces the second note byte for byte.
  const c2 = captureIo();
  assert.equal(await runCli(['generate', '--model', MODEL, '--pitch', '60', '--seed', '8', '--out', join(OUT, 'b'), '--backend', 'wasm', '--rate', '44100'], c2.io), 0);
  assert.deepEqual(readFileSync(join(OUT, 'b', 'gansynth-p60-s8.wav')), readFileSync(join(OUT, 'a', 'gansynth-p60-s8.wav')));
});

test('generate writes each note as soon as it is rendered (a run killed half-way keeps its notes), not all at the end', async () => {
  // Timestamps of the log: the model line comes before rendering, then one line per file, then the summary.
  const dir = join(OUT, 'stream');
  const seen: { atMs: number; line: string; onDisk: boolean }[] = [];
  const io = {
    out: (line: string) => {
      const file = /^(\S+\.wav)  /.exec(line)?.[1];
      seen.push({ atMs: performance.now(), line, onDisk: file !== undefined && existsSync(file) });
    },
    err: () => undefined,
  };
  const count = 16;
  assert.equal(await runCli(['generate', '--model', MODEL, '--count', String(count), '--max-batch', '1', '--out', dir, '--backend', 'wasm'], io), 0);
  const files = seen.filter((s) => s.line.endsWith('.wav') || /\.wav  /.test(s.line));
  assert.equal(files.length, count);
  assert.ok(files.every((f) => f.onDisk), 'each file is on disk when its line is printed');
  const startMs = seen[0]!.atMs;
  const endMs = seen.at(-1)!.atMs;
  // All-at-the-end would print the first file after ~all of the run; as-rendered prints it after ~1/16 of it.
  const firstShare = (files[0]!.atMs - startMs) / (endMs - startMs);
  assert.ok(firstShare < 0.5, `first file after ${(100 * firstShare).toFixed(0)} % of the run`);
  const lastFileShare = (files.at(-2)!.atMs - startMs) / (endMs - startMs);
  assert.ok(lastFileShare > 0.6, `files spread over the run (second-to-last at ${(100 * lastFileShare).toFixed(0)} %)`);
});

test('generate --backend auto skips a software WebGPU adapter (SwiftShader here) for wasm', async () => {
  const c = captureIo();
  assert.equal(await runCli(['generate', '--model', MODEL, '--pitch', '30', '--out', join(OUT, 'auto'), '--rate', '16000'], c.io), 0, c.err.join('\n'));
  const line = c.out.find((l) => l.startsWith('model ')) ?? '';
  // The rule: tensorflow when tfjs-node is installed, else a hardware WebGPU adapter, else wasm (never cpu, never a
  // software adapter, for inference).
  const optionalModule: string = '@tensorflow/tfjs-node'; // not a dependency: a name, so tsc does not resolve it
  const tfjsNode = await import(optionalModule).then(() => true, () => false);
  const picked = /backend (\w+)/.exec(line)?.[1];
  if (tfjsNode) assert.equal(picked, 'tensorflow', line);
  else if (picked === 'webgpu') assert.equal(isSoftwareWebgpu(), false, `auto kept a software WebGPU adapter: ${line}`);
  else assert.equal(picked, 'wasm', line);
  // The policy's reason line (stderr): a software adapter it probed is named as passed over.
  const reason = c.err.find((l) => l.startsWith('backend auto: ')) ?? '';
  assert.ok(reason.slice('backend auto: '.length).split('; ').at(-1)!.startsWith(`${picked}: `), `the reason ends on the backend used: ${reason}`);
  if (/webgpu: software adapter \(\w+\) passed over/.test(reason)) assert.equal(picked, tfjsNode ? 'tensorflow' : 'wasm', line);
  assert.equal(readdirSync(join(OUT, 'auto')).length, 1);
});

test('generate: clear errors for bad arguments', async () => {
  const bad: [string[], RegExp][] = [
    [['--model', MODEL], /--out is required/],
    [['--model', '', '--out', OUT], /--model: empty/],
    [['--out', OUT, '--format', 'pcm24'], /--format must be one of pcm16\|float, got 'pcm24'/],
    [['--out', OUT, '--normalize', '--no-normalize'], /contradict/],
    [['--out', OUT, '--normalize', '--gain', '3'], /--gain .* cannot be combined with --normalize/],
    [['--out', OUT, '--gain', 'loud'], /--gain must be a number of dB/],
    [['--model', MODEL, '--out', OUT, '--pitch', '90'], /--pitch must be in 24..84, got 90/],
    [['--model', MODEL, '--out', OUT, '--pitch', 'C4'], /--pitch must be an integer, got 'C4'/],
    [['--model', MODEL, '--out', OUT, '--count', '0'], /--count must be in 1..10000/],
    [['--model', MODEL, '--out', OUT, '--backend', 'cuda'], /--backend must be one of auto\|tensorflow\|webgpu\|wasm\|cpu, got 'cuda'/],
    [['--model', join(OUT, 'no-such-model'), '--out', OUT], /--model: no such directory/],
    [['--model', MODEL, '--out', OUT, '--volume', '3'], /Unknown option '--volume'/],
  ];
  for (const [argv, re] of bad) assert.throws(() => parseGenerateArgs(argv), re, argv.join(' '));
  assert.equal(parseGenerateArgs(['--help']), null);
  // No --model: the package's models/default (resolved from the source tree, not the cwd).
  assert.equal(parseGenerateArgs(['--out', OUT])!.model, join(ROOT, 'models/default'));
  assert.equal(parseGenerateArgs(['--out', OUT, '--model', 'default'])!.model, DEFAULT_MODEL_PATH);
  const c = captureIo();
  assert.equal(await runCli(['generate', '--model', MODEL, '--out', OUT, '--pitch', '200'], c.io), 2);
  assert.match(c.err.join('\n'), /^gansynth generate: --pitch must be in 24..84, got 200/);
  const u = captureIo();
  assert.equal(await runCli(['frobnicate'], u.io), 2);
  assert.match(u.err[0]!, /unknown command 'frobnicate'. Commands: .*generate/);
});

test('generate: seeds are 32-bit, so --seed S --count N reaching past 4294967295 is an error, not a silent wrap', () => {
  // Why: the latent generator keeps a uint32 state, so seed 2^32 would be seed 0 again (repeated notes).
  assert.deepEqual(randomLatent(2 ** 32, 8), randomLatent(0, 8));
  assert.throws(
    () => parseGenerateArgs(['--out', OUT, '--seed', '4294967295', '--count', '3']),
    /--seed 4294967295 with --count 3 needs seeds up to 4294967297, but seeds are 32-bit \(0\.\.4294967295\): use --seed 4294967293 or lower, or a smaller --count/,
  );
  assert.throws(() => parseGenerateArgs(['--out', OUT, '--seed', '4294967294', '--count', '3']), /needs seeds up to 4294967296/);
  const last = parseGenerateArgs(['--out', OUT, '--seed', '4294967293', '--count', '3'])!;
  assert.deepEqual([last.seed, last.count], [4294967293, 3]);
});

test('bin/gansynth.js runs the TypeScript CLI (tsx launcher)', () => {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/gansynth.js'), '--help'], { encoding: 'utf8', cwd: ROOT, timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /usage: gansynth <command>/);
  assert.match(r.stdout, /generate\s+random notes/);
});
