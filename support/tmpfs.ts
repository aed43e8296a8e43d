/**
 * A small tmpfs for disk-full tests (ENOSPC for real, not simulated), where the machine allows mounting one.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';

/** Mounts a `sizeKiB` tmpfs at `dir` (created); returns why not where this machine does not allow it, else null. */
export function mountSmallTmpfs(dir: string, sizeKiB = 64): string | null {
  if (process.platform !== 'linux') return `tmpfs mounts are Linux-only (${process.platform})`;
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  mkdirSync(dir, { recursive: true });
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKiB}k`, 'tmpfs', dir], { encoding: 'utf8' });
  return m.status === 0 ? null : `mount -t tmpfs failed: ${(m.stderr || m.error?.message || '').trim()}`;
}

/** Unmounts what mountSmallTmpfs mounted. */
export function unmountTmpfs(dir: string): void {
  spawnSync('umount', [dir]);
}
