/**
 * writeDirAtomic (src/node/atomic-file.ts), which exports and saveModelDir use: a directory is replaced whole or not
 * at all, a folder holding other files is refused and kept, a failed write keeps the old set, and what a kill leaves
 * behind is cleaned up (the old copy put back when the kill fell between the two renames).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeDirAtomic, writeFileAtomic } from '../../src/node/atomic-file.ts';

const modelFile = (n: string) => n.endsWith('.bin') || n.endsWith('.json');
const read = (dir: string) => Object.fromEntries(readdirSync(dir).sort().map((n) => [n, readFileSync(join(dir, n), 'utf8')]));
/** A PID no process has (Linux pid_max is at most 2^22). */
const DEAD_PID = 4_194_304 + 17;

test('replaces the whole set: files of the old set that the new one lacks are gone, no staging left', () => {
  const root = mkdtempSync(join(tmpdir(), 'atomic-dir-'));
  const dir = join(root, 'model');
  writeDirAtomic(dir, new Map([['a.bin', 'old a'], ['b.bin', 'old b'], ['m.json', 'old']]), modelFile);
  writeDirAtomic(dir, new Map([['a.bin', 'new a'], ['m.json', 'new']]), modelFile);
  assert.deepEqual(read(dir), { 'a.bin': 'new a', 'm.json': 'new' });
  assert.deepEqual(readdirSync(root), ['model']);
});

test('a folder holding other files is refused, naming them, and left as it was', () => {
  const root = mkdtempSync(join(tmpdir(), 'atomic-dir-'));
  const dir = join(root, 'out');
  mkdirSync(dir);
  writeFileSync(join(dir, 'notes.txt'), 'mine');
  writeFileSync(join(dir, 'a.bin'), 'old');
  assert.throws(() => writeDirAtomic(dir, new Map([['a.bin', 'new']]), modelFile), /out holds other files \(notes\.txt\): not replacing it/);
  assert.deepEqual(read(dir), { 'a.bin': 'old', 'notes.txt': 'mine' });
  writeFileSync(join(root, 'file'), 'x');
  assert.throws(() => writeDirAtomic(join(root, 'file'), new Map(), modelFile), /a file of that name is in the way/);
});

test('a write that fails half-way keeps the old set and removes its staging', () => {
  const root = mkdtempSync(join(tmpdir(), 'atomic-dir-'));
  const dir = join(root, 'model');
  writeDirAtomic(dir, new Map([['a.bin', 'old']]), modelFile);
  // The second file cannot be created (its folder does not exist): ENOENT after the first was written.
  assert.throws(() => writeDirAtomic(dir, new Map([['a.bin', 'new'], ['sub/b.bin', 'x']]), modelFile), /cannot write .*model: its directory does not exist \(ENOENT\); the previous file is kept/);
  assert.deepEqual(read(dir), { 'a.bin': 'old' });
  assert.deepEqual(readdirSync(root), ['model']);
});

test('after a kill: a dead writer\'s staging is removed, and its parked old copy is put back when the folder is gone', () => {
  const root = mkdtempSync(join(tmpdir(), 'atomic-dir-'));
  const dir = join(root, 'model');
  writeDirAtomic(dir, new Map([['a.bin', 'v1']]), modelFile);
  // Killed between the renames: the old copy parked as .old, the new one still in .tmp, no `model`.
  renameSync(dir, join(root, `.model.${DEAD_PID}-0123abcd.old`));
  mkdirSync(join(root, `.model.${DEAD_PID}-89abcdef.tmp`));
  writeFileSync(join(root, `.model.${DEAD_PID}-89abcdef.tmp`, 'a.bin'), 'v2 half');
  // A live writer's staging (this process) is not touched.
  mkdirSync(join(root, `.model.${process.pid}-00000000.tmp`));
  writeDirAtomic(join(root, 'other'), new Map([['x.bin', '1']]), modelFile); // another name: nothing of `model` is touched
  assert.equal(existsSync(dir), false);
  // The next write to `model` first puts v1 back (seen here because this write then fails), then replaces it.
  assert.throws(() => writeDirAtomic(dir, new Map([['sub/b.bin', 'x']]), modelFile), /the previous file is kept/);
  assert.deepEqual(read(dir), { 'a.bin': 'v1' });
  writeDirAtomic(dir, new Map([['a.bin', 'v3']]), modelFile);
  assert.deepEqual(read(dir), { 'a.bin': 'v3' });
  assert.deepEqual(readdirSync(root).sort(), [`.model.${process.pid}-00000000.tmp`, 'model', 'other']);
});

test('writeFileAtomic removes the temporary a killed writer of the same file left, not a live writer\'s', () => {
  const root = mkdtempSync(join(tmpdir(), 'atomic-dir-'));
  writeFileSync(join(root, `.song.wav.${DEAD_PID}-0123abcd.tmp`), 'half a WAV');
  writeFileSync(join(root, `.song.wav.${process.pid}-00000000.tmp`), 'being written');
  writeFileAtomic(join(root, 'song.wav'), 'RIFF');
  assert.deepEqual(readdirSync(root).sort(), [`.song.wav.${process.pid}-00000000.tmp`, 'song.wav']);
});
