/**
 * How `gansynth render` and `generate` write files so that nothing is lost: each file goes to a temporary sibling,
 * is fsynced, then renamed over the destination (as the trainer's checkpoints are), so a full disk, a file-size
 * limit or a kill leaves the previous file whole, never a truncated one whose header claims the full length; and an
 * output path that is one of the command's inputs is refused before anything runs.
 */
import { realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { writeFileAtomic as writeFileAtomicSync } from '../../atomic-file.ts';
import { CliUsageError } from './io.ts';

/**
 * Writes `bytes` to `path` atomically (src/node/atomic-file.ts: temporary sibling, fsync, rename, directory fsync).
 * Throws "cannot write PATH: WHY" ("the previous file is kept" when there was one).
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  writeFileAtomicSync(path, bytes);
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
