/**
 * Files that are never seen half-written (Node): the bytes go to a temporary sibling, are fsynced, then renamed over
 * the destination, and the directory is fsynced. A full disk, a file-size limit or a kill at any moment leaves the
 * previous file whole (or no file), never a truncated one. The one implementation for the CLI's WAVs and the
 * trainer's checkpoints, run.json, metrics and landed models.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
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

/** fsync of a directory makes a rename in it durable; some platforms cannot open a directory for it (harmless there). */
export function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* the rename itself is still atomic */
  }
}

/**
 * Writes `data` to `path` atomically: a temporary sibling `.NAME.PID-RANDOM.tmp` (removed on any failure), fsync,
 * rename over `path`, fsync of the directory. A reader (or a crash) sees the old file or the new one, never part of
 * one. The new file keeps an old file's permission bits. Throws "cannot write PATH: WHY" (disk full, file-size
 * limit, permission…; "the previous file is kept" when there was one).
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const target = resolve(path);
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
