/**
 * One training per run directory: RUN/train.lock names the process that owns RUN (pid, host, start time). A second
 * `train` on RUN fails at once naming the directory and that PID; a lock whose process no longer exists (kill -9,
 * a crash, a reboot) is taken over, so a killed run can always be resumed. Two trainings writing one run would
 * interleave metrics.jsonl lines and overwrite each other's checkpoints and feature cache.
 *
 * The lock file appears whole or not at all: its JSON is written to a temporary sibling and hard-linked to the lock
 * name (link fails when the name exists, unlike rename), so no process ever reads a half-written lock.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { processAlive, writeError, writeFileSynced } from 'gansynth-web/node/atomic-file';

/** File name of the lock inside a run directory. */
export const RUN_LOCK_FILE = 'train.lock';

/** What RUN/train.lock holds. */
export interface RunLockInfo {
  pid: number;
  host: string;
  startedAt: string;
  /** The command line, for the person who finds the lock. */
  command: string;
}

/** A held lock; `release()` removes the file if it is still ours (idempotent). */
export interface RunLock {
  readonly path: string;
  release(): void;
}

/** Path of a run directory's lock. */
export function runLockPath(runDir: string): string {
  return join(runDir, RUN_LOCK_FILE);
}

function readLock(path: string): { text: string; info: RunLockInfo | null } | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`cannot read the run lock ${path}: ${(e as Error).message}`);
  }
  try {
    const info = JSON.parse(text) as RunLockInfo;
    return { text, info: Number.isInteger(info.pid) && info.pid > 0 ? info : null };
  } catch {
    return { text, info: null }; // not ours or damaged: nobody can be shown to hold it
  }
}

/** Why `holder` still owns the run, or null when its lock is stale (process gone, or unreadable). */
function liveHolder(runDir: string, path: string, holder: RunLockInfo | null): string | null {
  if (!holder) return null;
  const since = `since ${holder.startedAt}: ${holder.command}`;
  if (holder.host !== hostname()) {
    return `${runDir} is locked by PID ${holder.pid} on host ${holder.host} (${since}); this host cannot check that process: delete ${path} once it has stopped`;
  }
  if (!processAlive(holder.pid)) return null;
  return `${runDir} is in use by another training, PID ${holder.pid} (${since}); wait for it or stop it (if PID ${holder.pid} is no training, delete ${path})`;
}

/**
 * Takes RUN's lock or throws naming RUN and the PID that holds it. A stale lock (dead process, damaged file) is
 * replaced. Creates RUN if needed.
 */
export function acquireRunLock(runDir: string): RunLock {
  mkdirSync(runDir, { recursive: true });
  const path = runLockPath(runDir);
  const token = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const mine: RunLockInfo = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), command: process.argv.slice(1).join(' ') };
  const text = JSON.stringify(mine) + '\n';
  const tmp = `${path}.${token}.tmp`;
  try {
    writeFileSynced(tmp, text, 'wx');
  } catch (e) {
    rmSync(tmp, { force: true });
    throw writeError(path, e, false);
  }
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        linkSync(tmp, path);
        let released = false;
        return {
          path,
          release: () => {
            if (released) return;
            released = true;
            if (readLock(path)?.text === text) rmSync(path, { force: true });
          },
        };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`cannot create the run lock ${path}: ${(e as Error).message}`);
      }
      const seen = readLock(path);
      if (!seen) continue; // released meanwhile
      const busy = liveHolder(runDir, path, seen.info);
      if (busy) throw new Error(busy);
      // Stale: move it aside, and put it back if another process replaced it between our read and the move.
      const aside = `${path}.${token}.stale`;
      try {
        renameSync(path, aside);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw new Error(`cannot take over the stale run lock ${path}: ${(e as Error).message}`);
      }
      if (readFileSync(aside, 'utf8') !== seen.text) {
        try {
          linkSync(aside, path);
        } catch {
          /* yet another process holds it now; the next attempt reads that one */
        }
      } else {
        console.error(`${runDir}: taking over ${seen.info ? `the lock of PID ${seen.info.pid}, which no longer runs` : `a damaged lock (${path})`}`);
      }
      rmSync(aside, { force: true });
    }
    throw new Error(`cannot take the run lock ${path}: other processes keep replacing it`);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/**
 * Runs `fn` holding RUN's lock; the lock goes on return, on a throw, and at process exit (a `process.exit` inside
 * `fn`). A kill -9 leaves it behind, stale, for the next run to take over.
 */
export async function withRunLock<T>(runDir: string, fn: () => Promise<T>): Promise<T> {
  const lock = acquireRunLock(runDir);
  process.once('exit', lock.release);
  try {
    return await fn();
  } finally {
    process.off('exit', lock.release);
    lock.release();
  }
}
