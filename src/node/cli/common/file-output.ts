/**
 * How `gansynth render` and `generate` write files so that nothing is lost: each file goes to a temporary sibling,
 * is fsynced, then renamed over the destination (as the trainer's checkpoints are), so a full disk, a file-size
 * limit or a kill leaves the previous file whole, never a truncated one whose header claims the full length; and an
 * output path that is one of the command's inputs is refused before anything runs.
 */
import { randomBytes } from 'node:crypto';
import { realpathSync, statSync } from 'node:fs';
import { type FileHandle, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { CliUsageError } from './io.ts';

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

function writeError(path: string, e: unknown, previousKept: boolean): Error {
  const err = e as NodeJS.ErrnoException;
  const why = (err.code && WRITE_ERRORS[err.code]) ?? (err.code ? `${err.code}: ${err.message}` : String(err.message ?? e));
  return new Error(`cannot write ${path}: ${why}${previousKept ? '; the previous file is kept' : ''}`);
}

/** fsync of a directory makes the rename durable; some platforms cannot open a directory for it (harmless there). */
async function syncDir(dir: string): Promise<void> {
  let h: FileHandle | undefined;
  try {
    h = await open(dir, 'r');
    await h.sync();
  } catch {
    /* the rename itself is still atomic */
  } finally {
    await h?.close().catch(() => undefined);
  }
}

/**
 * Writes `bytes` to `path` atomically: a temporary sibling `.NAME.PID-RANDOM.tmp` (removed on any failure), fsync,
 * rename over `path`, fsync of the directory. A reader (or a crash) sees the old file or the new one, never part of
 * one. The new file keeps an old file's permission bits. Throws "cannot write PATH: WHY" (disk full, file-size
 * limit, permission…; "the previous file is kept" when there was one).
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const target = resolve(path);
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  let previousMode: number | undefined;
  try {
    const s = await stat(target);
    if (s.isFile()) previousMode = s.mode & 0o777;
  } catch {
    /* no previous file */
  }
  let h: FileHandle | undefined;
  try {
    h = await open(tmp, 'wx', previousMode ?? 0o666);
    await h.writeFile(bytes);
    await h.sync();
    await h.close();
    h = undefined;
    await rename(tmp, target);
  } catch (e) {
    await h?.close().catch(() => undefined);
    await rm(tmp, { force: true }).catch(() => undefined);
    throw writeError(target, e, previousMode !== undefined);
  }
  await syncDir(dirname(target));
}

/** `path` with symlinks resolved; for a path that does not exist yet, its directory's real path and its name. */
function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    try {
      return join(realpathSync(dirname(path)), basename(path));
    } catch {
      return resolve(path);
    }
  }
}

/** True when `a` and `b` are one file or directory: the same real path, or the same inode (a hard link). */
export function samePath(a: string, b: string): boolean {
  if (realPath(a) === realPath(b)) return true;
  try {
    const sa = statSync(a);
    const sb = statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}

/** An input of a command, for refuseOutputOverInput: its path and what it is ("the MIDI file being read"). */
export interface CommandInput {
  readonly path: string;
  readonly what: string;
}

/**
 * Throws a CliUsageError when output `outPath` (given as `flag`) is one of `inputs`, through symlinks and hard
 * links too: "--out X is the MIDI file being read (Y); choose another output file". `kind` names what to choose.
 */
export function refuseOutputOverInput(flag: string, outPath: string, inputs: readonly CommandInput[], kind = 'output file'): void {
  for (const input of inputs) {
    if (samePath(outPath, input.path)) {
      throw new CliUsageError(`${flag} ${outPath} is ${input.what} (${input.path}); choose another ${kind}`);
    }
  }
}
