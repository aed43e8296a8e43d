/**
 * Disk full for real: a small tmpfs (root on Linux; skipped with the reason elsewhere) filled to the last block, then
 * the commands that write what a user keeps: `render` over an old WAV, `export` over an old export, and `train` whose
 * first checkpoint cannot be written. Each must fail with one line naming the path and ENOSPC, keep the old output
 * whole, leave no temporary; and the training, resumed once space is freed, must end byte-identical to a run that
 * never saw a full disk.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeMidi } from '../support/midi-fixtures.ts';
import { mountSmallTmpfs, unmountTmpfs } from '../support/tmpfs.ts';

const ROOT = join(import.meta.dirname, '..');
const TRAINER = join(ROOT, 'trainer/bin/gansynth-trainer.js');
const CLI = join(ROOT, 'bin/gansynth.js');

/** What the disk-full cases found. */
export interface DiskFullFigures {
  cases: number;
  passed: number;
  /** Why the cases did not run (no root, not Linux), else absent. */
  skipped?: string;
  failures: string[];
}

function node(script: string, args: string[]): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [script, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** Fills `dir`'s file system (1 MiB files, then 4 KiB ones) until at most `leaveBytes` are free; returns the fillers. */
function fill(dir: string, leaveBytes = 0): string[] {
  const free = () => {
    const s = statfsSync(dir);
    return s.bavail * s.bsize;
  };
  const files: string[] = [];
  for (const bytes of [1 << 20, 4096]) {
    try {
      while (free() - bytes >= leaveBytes) {
        const f = join(dir, `filler-${files.length}`);
        files.push(f);
        writeFileSync(f, new Uint8Array(bytes));
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
    }
  }
  return files;
}

const temporaries = (dir: string) => readdirSync(dir).filter((n) => n.startsWith('.'));

/** Runs the three disk-full cases in a temporary folder. */
export function runDiskFull(): DiskFullFigures {
  const root = mkdtempSync(join(tmpdir(), 'gansynth-faults-full-'));
  const disk = join(root, 'disk');
  const fig: DiskFullFigures = { cases: 0, passed: 0, failures: [] };
  const skip = mountSmallTmpfs(disk, 32 * 1024); // a tiny run needs ~13 MiB (2 MiB monitor samples)
  if (skip) {
    rmSync(root, { recursive: true, force: true });
    return { ...fig, skipped: skip };
  }
  const check = (name: string, problems: string[]) => {
    fig.cases++;
    if (problems.length) fig.failures.push(`${name}: ${problems.join('; ')}`);
    else fig.passed++;
  };
  try {
    const data = join(root, 'data');
    const cache = join(root, 'cache');
    node(TRAINER, ['dataset', '--out', data, '--programs', '0', '--pitches', '58-62', '--velocities', '100', '--no-progress']);
    const trainArgs = (dir: string) => ['train', '--config', 'tiny', '--data', data, '--out', dir, '--cache', cache, '--steps', '4',
      '--checkpoint-every', '2', '--backend', 'cpu', '--no-progress', '--seed', '3'];
    const ref = join(root, 'ref');
    const r0 = node(TRAINER, trainArgs(ref));
    if (r0.code !== 0) throw new Error(`reference training failed:\n${r0.out.slice(-1500)}`);
    const model = join(root, 'model');
    node(TRAINER, ['export', ref, '--out', model]);

    // 1. train: the run directory on a disk with 256 KiB left: the lock, run.json and the first metrics fit, the first
    // monitor sample (2 MiB) or checkpoint does not.
    {
      const run = join(disk, 'run');
      const fillers = fill(disk, 256 * 1024);
      const r = node(TRAINER, trainArgs(run));
      const problems: string[] = [];
      if (r.code === 0) problems.push('training on a full disk exited 0');
      if (!/cannot write \S+: disk full \(ENOSPC\)/.test(r.out)) problems.push(`no "cannot write PATH: disk full (ENOSPC)" line in: ${r.out.slice(-300)}`);
      fillers.forEach((f) => rmSync(f, { force: true }));
      const resumed = node(TRAINER, trainArgs(run));
      if (resumed.code !== 0) problems.push(`resume after freeing space failed: ${resumed.out.slice(-300)}`);
      else {
        const ckpt = (d: string) => readFileSync(join(d, 'checkpoints', 'ckpt-000000004', 'tensors.bin'));
        if (!ckpt(run).equals(ckpt(ref))) problems.push('the resumed run ends different from the reference');
      }
      check('train', problems);
      rmSync(run, { recursive: true, force: true });
    }
    // 2. export over an old export, and 3. render over an old WAV, both on the full disk.
    {
      const old = join(disk, 'exported');
      node(TRAINER, ['export', ref, '--out', old, '--checkpoint', join(ref, 'checkpoints', 'ckpt-000000002')]);
      const before = readdirSync(old).map((n) => readFileSync(join(old, n)));
      const fillers = fill(disk);
      const r = node(TRAINER, ['export', ref, '--out', old]);
      const problems: string[] = [];
      if (r.code === 0) problems.push('export to a full disk exited 0');
      if (!r.out.includes(`cannot write ${old}: disk full (ENOSPC); the previous file is kept`)) problems.push(`unexpected message: ${r.out.slice(-300)}`);
      const after = readdirSync(old).map((n) => readFileSync(join(old, n)));
      if (after.length !== before.length || after.some((b, i) => !b.equals(before[i]!))) problems.push('the old export changed');
      if (temporaries(disk).length) problems.push(`temporaries left: ${temporaries(disk).join(', ')}`);
      check('export', problems);
      fillers.forEach((f) => rmSync(f, { force: true }));
    }
    {
      const song = join(root, 'song.mid');
      writeFileSync(song, writeMidi([{ notes: [{ pitch: 60, startSec: 0, durationSec: 0.5 }] }]));
      const wav = join(disk, 'song.wav');
      const old = node(CLI, ['render', song, '--out', wav, '--model', model, '--seed', '1']);
      const before = existsSync(wav) ? readFileSync(wav) : null;
      const fillers = fill(disk);
      const r = node(CLI, ['render', song, '--out', wav, '--model', model, '--seed', '2']);
      const problems: string[] = [];
      if (old.code !== 0 || !before) problems.push(`the old render failed: ${old.out.slice(-300)}`);
      if (r.code === 0) problems.push('render to a full disk exited 0');
      if (!r.out.includes(`cannot write ${wav}: disk full (ENOSPC); the previous file is kept`)) problems.push(`unexpected message: ${r.out.slice(-300)}`);
      if (before && !readFileSync(wav).equals(before)) problems.push('the old WAV changed');
      if (temporaries(disk).length) problems.push(`temporaries left: ${temporaries(disk).join(', ')}`);
      check('render', problems);
      fillers.forEach((f) => rmSync(f, { force: true }));
    }
  } finally {
    unmountTmpfs(disk);
    rmSync(root, { recursive: true, force: true });
  }
  return fig;
}
