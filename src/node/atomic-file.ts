/**
 * Files that are never seen half-written (Node): the bytes go to a temporary sibling, are fsynced, then renamed over
 * the destination, and the directory is fsynced. A full disk, a file-size limit or a kill at any moment leaves the
 * previous file whole (or no file), never a truncated one. The one implementation for the CLI's WAVs and the
 * trainer's checkpoints, run.json, metrics and landed models; `writeDirAtomic` does the same for a directory of
 * files that belong together (an exported model: shards + manifest + model.json), and `stageDirAtomic` for one
 * too large to hold in memory, filled in place before its rename (the trainer's `dataset --from-folder`).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** What the usual write failures mean, by errno code. */
const WRITE_ERRORS: Readonly<Record<string, string>> = {
  ENOSPC: 'disk full (ENOSPC)',
  EDQUOT: 'disk quota exceeded (EDQUOT)',
  EFBIG: "file too large for this file system or the process's file-size limit (EFBIG)",
  EACCES: 'permission denied (EACCES)',
  EPERM: 'operation not permitted (EPERM)',
  EROFS: 'read-only file system (EROFS)',
  ENOENT: 'its directory does not exist (ENOENT)',
  ENOTDIR: 'a part of the path is not a directory (ENOTDIR)',
  EISDIR: 'a directory of that name is in the way (EISDIR)',
  EIO: 'input/output error (EIO)',
};

/**
 * "cannot write PATH: WHY" for a failed write (disk full, quota, file-size limit, permission…), plus "; the previous
 * file is kept" when `previousKept`. The one wording for every write error of the CLI and the trainer.
 */
export function writeError(path: string, e: unknown, previousKept: boolean): Error {
  const err = e as NodeJS.ErrnoException;
  const why = (err.code && WRITE_ERRORS[err.code]) ?? (err.code ? `${err.code}: ${err.message}` : String(err.message ?? e));
  return new Error(`cannot write ${path}: ${why}${previousKept ? '; the previous file is kept' : ''}`);
}

/** Writes all of `data` to `path` (created or truncated; `flags` as for fs.open) and fsyncs it. */
export function writeFileSynced(path: string, data: Uint8Array | string, flags = 'w', mode = 0o666): void {
  const fd = openSync(path, flags, mode);
  try {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Opens `path` read-only and fsyncs it (a file's data, or a directory's entries). */
function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** fsync of a directory makes a rename in it durable; some platforms cannot open a directory for it (harmless there). */
export function fsyncDir(dir: string): void {
  try {
    fsyncPath(dir);
  } catch {
    /* the rename itself is still atomic */
  }
}

/**
 * Writes `data` to `path` atomically: a temporary sibling `.NAME.PID-RANDOM.tmp` (removed on any failure, and by
 * the next write to `path` when a kill left it), fsync, rename over `path`, fsync of the directory. A reader (or a crash) sees the old file or the new one, never part of
 * one. The new file keeps an old file's permission bits. Throws "cannot write PATH: WHY" (disk full, file-size
 * limit, permission…; "the previous file is kept" when there was one).
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const target = resolve(path);
  recoverStaging(target);
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  let previousMode: number | undefined;
  try {
    const s = statSync(target);
    if (s.isFile()) previousMode = s.mode & 0o777;
  } catch {
    /* no previous file */
  }
  try {
    writeFileSynced(tmp, data, 'wx', previousMode ?? 0o666);
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw writeError(target, e, previousMode !== undefined);
  }
  fsyncDir(dirname(target));
}

/** True when a process `pid` exists on this machine (EPERM: it exists but belongs to someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Sibling staging names of writeDirAtomic: `.NAME.PID-RANDOM.tmp` (being written) and `.old` (being replaced). */
function stagingName(target: string, pid: number, kind: 'tmp' | 'old'): string {
  return join(dirname(target), `.${basename(target)}.${pid}-${randomBytes(4).toString('hex')}.${kind}`);
}

/**
 * Cleans up after a writeFileAtomic / writeDirAtomic that was killed (its PID gone): its `.tmp` staging files and
 * folders are removed, and when a directory write died between its two renames (the destination gone, the previous
 * copy parked as `.old`), the previous copy is put back.
 */
function recoverStaging(target: string): void {
  const prefix = `.${basename(target)}.`;
  const parent = dirname(target);
  if (!existsSync(parent)) return;
  for (const name of readdirSync(parent)) {
    const m = name.startsWith(prefix) ? /^(\d+)-[0-9a-f]{8}\.(tmp|old)$/.exec(name.slice(prefix.length)) : null;
    if (!m || processAlive(Number(m[1]))) continue;
    const path = join(parent, name);
    if (m[2] === 'old' && !existsSync(target)) renameSync(path, target);
    else rmSync(path, { recursive: true, force: true });
  }
}

/**
 * A directory being written: fill `path` (a staging sibling of the destination; nested folders allowed), then
 * `commit()` to put it in place of the destination in one rename, or `abort()` to remove it. What stageDirAtomic
 * returns; writeDirAtomic is the one-call form.
 */
export interface StagedDir {
  /** The staging directory to write into. */
  readonly path: string;
  /** fsyncs the staging tree, renames the old destination aside, the staging one in, and removes the old one. */
  commit(): void;
  /** Removes the staging directory (the destination is untouched). */
  abort(): void;
}

/** fsyncs every file and folder under `dir`, then `dir` itself. */
function fsyncTree(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) fsyncTree(path);
    else fsyncPath(path);
  }
  fsyncDir(dir);
}

/**
 * Starts replacing directory `dir` atomically (see writeDirAtomic for the rules): checks the destination, creates
 * the staging sibling and returns it. An existing `dir` is only replaced when every entry in it passes
 * `replaceable` (so a folder holding anything else is refused, naming the entries, and never deleted). Readers see
 * the whole old directory or the whole new one; a kill leaves staging siblings that the next call cleans up.
 */
export function stageDirAtomic(dir: string, replaceable: (name: string) => boolean): StagedDir {
  const target = resolve(dir);
  recoverStaging(target);
  let exists = false;
  try {
    const s = statSync(target);
    if (!s.isDirectory()) throw new Error(`cannot write ${target}: a file of that name is in the way (not a directory)`);
    exists = true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (exists) {
    const others = readdirSync(target).filter((n) => !replaceable(n));
    if (others.length) {
      throw new Error(`${target} holds other files (${others.slice(0, 5).join(', ')}${others.length > 5 ? ', …' : ''}): not replacing it; write to an empty or new directory`);
    }
  }
  const staging = stagingName(target, process.pid, 'tmp');
  try {
    mkdirSync(dirname(target), { recursive: true });
    mkdirSync(staging);
  } catch (e) {
    throw writeError(target, e, exists);
  }
  const abort = (): void => rmSync(staging, { recursive: true, force: true });
  const commit = (): void => {
    try {
      fsyncTree(staging);
    } catch (e) {
      abort();
      throw writeError(target, e, exists);
    }
    const old = stagingName(target, process.pid, 'old');
    if (exists) renameSync(target, old);
    try {
      renameSync(staging, target);
    } catch (e) {
      if (exists) renameSync(old, target);
      abort();
      throw writeError(target, e, exists);
    }
    fsyncDir(dirname(target));
    if (exists) rmSync(old, { recursive: true, force: true });
  };
  return { path: staging, commit, abort };
}

/**
 * Replaces directory `dir` with exactly `files` (name → bytes), atomically: they are written and fsynced into a
 * staging sibling, the old directory is renamed aside, the staging one renamed in, the old one removed. Readers see
 * the whole old set or the whole new one, never new shards beside an old manifest; a kill leaves staging siblings
 * that the next call cleans up (putting the old copy back if the kill fell between the renames). An existing `dir`
 * is only replaced when every entry in it passes `replaceable` (so a folder holding anything else is refused, naming
 * the entries, and never deleted). Throws "cannot write DIR: WHY" on a failed write, the old directory kept.
 */
export function writeDirAtomic(dir: string, files: ReadonlyMap<string, Uint8Array | string>, replaceable: (name: string) => boolean): void {
  const staged = stageDirAtomic(dir, replaceable);
  try {
    for (const [name, bytes] of files) writeFileSynced(join(staged.path, name), bytes, 'wx');
  } catch (e) {
    staged.abort();
    throw writeError(resolve(dir), e, existsSync(resolve(dir)));
  }
  staged.commit();
}
