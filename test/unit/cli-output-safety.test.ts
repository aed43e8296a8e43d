/**
 * Nothing lost when `gansynth render` / `generate` write: an output path that is one of the inputs is refused (the
 * MIDI file, the preset bank, the model directory; also through a symlink or a hard link), and a write that fails
 * half-way (file-size limit: EFBIG in a subprocess under `ulimit -f`; disk full: ENOSPC on a small tmpfs where this
 * machine lets us mount one) keeps the previous file whole, leaves no temporary file, and says which path failed.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { linkSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { TINY_CONFIG } from '../../src/shared/model-config.ts';
import { decodeWav, encodeWav } from '../../src/shared/wav.ts';
import { initGeneratorParams } from '../../src/engine/generator.ts';
import { saveModelDir } from '../../src/node/model-io.ts';
import { useNodeBackend } from '../../src/node/backends.ts';
import { runCli } from '../../src/node/cli/index.ts';
import { writeFileAtomic } from '../../src/node/cli/common/file-output.ts';
import { savePresetBank } from '../../src/engine/presets.ts';
import { writeMidi } from '../../support/midi-fixtures.ts';
import { mountSmallTmpfs } from '../../support/tmpfs.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const OUT = join(ROOT, '.test-out/cli-output-safety');
const MODEL = join(OUT, 'tiny-model');
const SONG = join(OUT, 'song.mid');
const BANK = join(OUT, 'bank.json');
/** A valid WAV that stands for yesterday's render: it must survive a failed write over it. */
const OLD_WAV = encodeWav([Float32Array.from({ length: 800 }, (_, i) => Math.sin(i / 5) * 0.5)], 16000, 'pcm16');

async function cli(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

const tmpFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.tmp'));

before(async () => {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  await useNodeBackend('wasm');
  const params = initGeneratorParams(TINY_CONFIG, 41);
  await saveModelDir(MODEL, { config: TINY_CONFIG, params, meta: { name: 'output safety model' } });
  tf.dispose(Object.values(params));
  writeFileSync(SONG, writeMidi([{ notes: [{ pitch: 60, startSec: 0, durationSec: 0.5 }, { pitch: 64, startSec: 0.5, durationSec: 0.5 }] }]));
  writeFileSync(BANK, savePresetBank([{ name: 'a', latent: { seed: 1 } }]));
});

test('render refuses --out equal to the MIDI file or the preset bank, directly or through a symlink or hard link', async () => {
  const song = readFileSync(SONG);
  symlinkSync(SONG, join(OUT, 'song-link.mid'));
  linkSync(SONG, join(OUT, 'song-hard.mid'));
  for (const out of [SONG, join(OUT, 'song-link.mid'), join(OUT, 'song-hard.mid'), join(OUT, 'sub', '..', 'song.mid')]) {
    const r = await cli(['render', SONG, '--out', out, '--model', MODEL, '--backend', 'wasm']);
    assert.equal(r.code, 2, `${out}: ${r.err.join('\n')}`);
    assert.match(r.err[0]!, /--out .* is the MIDI file being read \(.*song\.mid\); choose another output file/);
  }
  assert.deepEqual(readFileSync(SONG), song, 'the MIDI file is untouched');
  const bank = readFileSync(BANK);
  const r = await cli(['render', SONG, '--out', BANK, '--presets', BANK, '--model', MODEL, '--backend', 'wasm']);
  assert.equal(r.code, 2, r.err.join('\n'));
  assert.match(r.err[0]!, /--out .*bank\.json is the preset bank being read \(.*bank\.json\)/);
  assert.deepEqual(readFileSync(BANK), bank);
});

test('generate refuses --out equal to the model directory', async () => {
  const before = readdirSync(MODEL).sort();
  const r = await cli(['generate', '--model', MODEL, '--out', MODEL, '--backend', 'wasm']);
  assert.equal(r.code, 2, r.err.join('\n'));
  assert.match(r.err[0]!, /--out .*tiny-model is the model directory being read \(.*tiny-model\); choose another output directory/);
  assert.deepEqual(readdirSync(MODEL).sort(), before);
});

test('writeFileAtomic: the new bytes replace the old in one rename, no temporary file stays, errors name the path', async () => {
  const dir = join(OUT, 'atomic');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'a.wav');
  writeFileSync(file, OLD_WAV);
  await writeFileAtomic(file, new Uint8Array([1, 2, 3]));
  assert.deepEqual([...readFileSync(file)], [1, 2, 3]);
  assert.deepEqual(tmpFiles(dir), []);
  // A directory in the way: the rename fails, the error names the path, the temporary file is removed.
  mkdirSync(join(dir, 'taken.wav'));
  await assert.rejects(writeFileAtomic(join(dir, 'taken.wav'), new Uint8Array(10)), (e: Error) => {
    assert.match(e.message, new RegExp(`^cannot write ${join(dir, 'taken.wav').replace(/[/.]/g, '\\$&')}: `));
    return true;
  });
  assert.deepEqual(tmpFiles(dir), []);
  await assert.rejects(writeFileAtomic(join(dir, 'no-such-dir', 'x.wav'), new Uint8Array(10)), /cannot write .*no-such-dir\/x\.wav: .*ENOENT/);
});

/** Runs the CLI in a shell with the file-size limit `limitKiB` (bash's `ulimit -f` counts KiB). */
function cliUnderFileLimit(limitKiB: number, argv: string[]) {
  const quoted = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return spawnSync('bash', ['-c', `ulimit -f ${limitKiB}; exec '${process.execPath}' bin/gansynth.js ${quoted}`], {
    cwd: ROOT, encoding: 'utf8', timeout: 120_000,
  });
}

test('a WAV write that fails half-way (EFBIG under ulimit -f) keeps the old file whole and leaves no temporary file', () => {
  const dir = join(OUT, 'efbig');
  mkdirSync(dir, { recursive: true });
  // generate: a 4 s note at 48 kHz is 384 KB of pcm16, over the 128 KiB limit.
  const note = join(dir, 'gansynth-p60-s1.wav');
  writeFileSync(note, OLD_WAV);
  const g = cliUnderFileLimit(128, ['generate', '--model', MODEL, '--out', dir, '--rate', '48000', '--backend', 'wasm']);
  assert.equal(g.status, 1, g.stderr);
  assert.match(g.stderr, new RegExp(`gansynth generate: cannot write ${note.replace(/[/.]/g, '\\$&')}: file too large for this file system or the process's file-size limit \\(EFBIG\\); the previous file is kept`));
  assert.deepEqual(readFileSync(note), Buffer.from(OLD_WAV), 'the old WAV is intact');
  assert.deepEqual(tmpFiles(dir), []);
  // render: the 1.3 s song at 48 kHz is ~125 KB, over a 64 KiB limit.
  const song = join(dir, 'song.wav');
  writeFileSync(song, OLD_WAV);
  const r = cliUnderFileLimit(64, ['render', SONG, '--out', song, '--model', MODEL, '--rate', '48000', '--backend', 'wasm']);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /gansynth render: cannot write .*song\.wav: file too large .*\(EFBIG\); the previous file is kept/);
  assert.deepEqual(readFileSync(song), Buffer.from(OLD_WAV));
  assert.equal(decodeWav(readFileSync(song)).channels[0]!.length, 800);
  assert.deepEqual(tmpFiles(dir), []);
});

test('disk full (ENOSPC on a 64 KiB tmpfs): the error names the file, the old WAV is kept, no temporary file', async (t) => {
  const tmpfs = join(OUT, 'tmpfs');
  const skip = mountSmallTmpfs(tmpfs);
  if (skip) return t.skip(skip);
  try {
    const note = join(tmpfs, 'gansynth-p60-s1.wav');
    writeFileSync(note, OLD_WAV);
    const g = await cli(['generate', '--model', MODEL, '--out', tmpfs, '--backend', 'wasm']);
    assert.equal(g.code, 1, g.err.join('\n'));
    assert.equal(g.err[0], `gansynth generate: cannot write ${note}: disk full (ENOSPC); the previous file is kept`);
    assert.deepEqual(readFileSync(note), Buffer.from(OLD_WAV));
    assert.deepEqual(tmpFiles(tmpfs), []);
  } finally {
    spawnSync('umount', [tmpfs]);
  }
});
