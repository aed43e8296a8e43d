/**
 * kill -9 at seeded random moments of the three commands that write what a user keeps, each compared with an
 * uninterrupted run:
 * - `gansynth-trainer train` (tiny config, 6 steps, a checkpoint every 2): after the kill the same command resumes;
 *   the final checkpoint must be byte-identical to the uninterrupted run's and metrics.jsonl must hold each step once,
 *   with the same losses.
 * - `gansynth-trainer export` over an existing export of an older checkpoint, and `gansynth render` over an existing
 *   WAV of another seed: right after the kill the destination must be the whole old output or the whole new one
 *   (bytes lost otherwise), and a rerun must give the uninterrupted output.
 * Kill moments are uniform over the uninterrupted run's duration (seeded), so they fall in start-up, work and writes.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { SeededRandom } from '../src/shared/random.ts';
import { writeMidi } from '../support/midi-fixtures.ts';

const ROOT = join(import.meta.dirname, '..');
const TRAINER = join(ROOT, 'trainer/bin/gansynth-trainer.js');
const CLI = join(ROOT, 'bin/gansynth.js');
/** Any single run slower than this is a hang. */
const RUN_LIMIT_MS = 120_000;

/** Figures of one command's kills. */
export interface KillFigures {
  command: 'train' | 'export' | 'render';
  kills: number;
  /** Kills after which the output was whole (old or new) and the rerun matched the uninterrupted run. */
  survived: number;
  /** Bytes of a previous output lost or left partial by a kill (must be 0). */
  bytesLost: number;
  uninterruptedMs: number;
  failures: string[];
}

interface RunResult { code: number | null; signal: NodeJS.Signals | null; ms: number; output: string }

/** Runs `node script args`; kills it with SIGKILL after `killAfterMs` when given. */
function run(script: string, args: string[], killAfterMs?: number): Promise<RunResult> {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [script, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const killer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    const hang = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS);
    child.on('error', fail);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      clearTimeout(hang);
      done({ code, signal, ms: performance.now() - t0, output });
    });
  });
}

async function mustRun(script: string, args: string[]): Promise<RunResult> {
  const r = await run(script, args);
  if (r.code !== 0) throw new Error(`${script} ${args.join(' ')} failed (${r.code ?? r.signal}):\n${r.output.slice(-2000)}`);
  return r;
}

/** Files of a directory (or one file) as name → bytes; null when absent. model.json's export time is blanked. */
function snapshot(path: string): Map<string, Buffer> | null {
  if (!existsSync(path)) return null;
  if (statSync(path).isFile()) return new Map([['', readFileSync(path)]]);
  const read = (n: string) => {
    const b = readFileSync(join(path, n));
    return n === 'model.json' ? Buffer.from(b.toString('utf8').replace(/"exportedAt": "[^"]*"/g, '"exportedAt": ""')) : b;
  };
  return new Map(readdirSync(path).sort().map((n) => [n, read(n)]));
}

function same(a: Map<string, Buffer> | null, b: Map<string, Buffer> | null): boolean {
  if (a === null || b === null) return a === b;
  return a.size === b.size && [...a].every(([k, v]) => b.get(k)?.equals(v) === true);
}

const bytesOf = (s: Map<string, Buffer> | null) => (s ? [...s.values()].reduce((n, b) => n + b.length, 0) : 0);

/** The losses of each step of a run's metrics.jsonl (timing fields left out), in file order. */
function stepLosses(runDir: string): string[] {
  return readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((line) => {
    const { imagesPerSec: _i, timeSec: _t, ...rest } = JSON.parse(line) as Record<string, number>;
    return JSON.stringify(rest);
  });
}

function lastCheckpoint(runDir: string): string {
  const dir = join(runDir, 'checkpoints');
  return join(dir, readdirSync(dir).filter((n) => n.startsWith('ckpt-')).sort().at(-1)!);
}

/** Kills `kills` train / export / render runs each (seeded) in a temporary folder, removed afterwards. */
export async function runKills(kills: { train: number; export: number; render: number }, seed = 42): Promise<KillFigures[]> {
  const root = mkdtempSync(join(tmpdir(), 'gansynth-faults-kill-'));
  const rng = new SeededRandom(seed);
  const out: KillFigures[] = [];
  try {
    const data = join(root, 'data');
    await mustRun(TRAINER, ['dataset', '--out', data, '--programs', '0', '--pitches', '58-62', '--velocities', '100', '--no-progress']);
    const cache = join(root, 'cache');
    const trainArgs = (dir: string) => ['train', '--config', 'tiny', '--data', data, '--out', dir, '--cache', cache, '--steps', '6',
      '--checkpoint-every', '2', '--backend', 'cpu', '--no-progress', '--seed', '3'];
    await mustRun(TRAINER, trainArgs(join(root, 'warm-cache')));
    const ref = join(root, 'train-ref');
    const trainRef = await mustRun(TRAINER, trainArgs(ref));
    const refCkpt = snapshot(lastCheckpoint(ref));
    const refLosses = stepLosses(ref);

    const train: KillFigures = { command: 'train', kills: 0, survived: 0, bytesLost: 0, uninterruptedMs: trainRef.ms, failures: [] };
    for (let i = 0; i < kills.train; i++) {
      const dir = join(root, `train-${i}`);
      const at = rng.next() * trainRef.ms;
      const killed = await run(TRAINER, trainArgs(dir), at);
      train.kills++;
      const resumed = await run(TRAINER, trainArgs(dir));
      const problems: string[] = [];
      if (resumed.code !== 0) problems.push(`resume failed (${resumed.code ?? resumed.signal}): ${resumed.output.slice(-400)}`);
      else {
        if (!same(snapshot(lastCheckpoint(dir)), refCkpt)) problems.push('final checkpoint differs from the uninterrupted run');
        const losses = stepLosses(dir);
        if (JSON.stringify(losses) !== JSON.stringify(refLosses)) problems.push(`metrics.jsonl: ${losses.length} lines, expected the uninterrupted run's ${refLosses.length} (same steps, same losses)`);
      }
      if (problems.length) train.failures.push(`kill at ${at.toFixed(0)} ms (${killed.signal ?? `exit ${killed.code}`}): ${problems.join('; ')}`);
      else train.survived++;
    }
    out.push(train);

    // Export: the old output is an export of an earlier checkpoint; the new one that of the last.
    const ckpts = readdirSync(join(ref, 'checkpoints')).sort();
    const exportArgs = (dst: string, ckpt?: string) => ['export', ref, '--out', dst, ...(ckpt ? ['--checkpoint', join(ref, 'checkpoints', ckpt)] : [])];
    const exportNewRef = join(root, 'export-new');
    const exportRef = await mustRun(TRAINER, exportArgs(exportNewRef));
    const newExport = snapshot(exportNewRef);
    out.push(await killOutputs('export', kills.export, rng, exportRef.ms, root, async (dst) => {
      await mustRun(TRAINER, exportArgs(dst, ckpts[0]));
    }, (dst, at) => run(TRAINER, exportArgs(dst), at), newExport));

    // Render: the old WAV is the song with seed 1, the new one with seed 2, from the exported model.
    const song = join(root, 'song.mid');
    writeFileSync(song, writeMidi([{ notes: [60, 64, 67, 72].map((pitch, k) => ({ pitch, startSec: k * 0.25, durationSec: 0.5 })) }]));
    const renderArgs = (dst: string, s: number) => ['render', song, '--out', dst, '--model', exportNewRef, '--seed', String(s)];
    const renderNewRef = join(root, 'render-new.wav');
    const renderRef = await mustRun(CLI, renderArgs(renderNewRef, 2));
    out.push(await killOutputs('render', kills.render, rng, renderRef.ms, root, async (dst) => {
      await mustRun(CLI, renderArgs(dst, 1));
    }, (dst, at) => run(CLI, renderArgs(dst, 2), at), snapshot(renderNewRef)));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return out;
}

/** The export/render pattern: write the old output, kill a run writing the new one over it, check, rerun, check. */
async function killOutputs(
  command: 'export' | 'render', kills: number, rng: SeededRandom, uninterruptedMs: number, root: string,
  writeOld: (dst: string) => Promise<void>, runNew: (dst: string, killAtMs?: number) => Promise<RunResult>,
  newOutput: Map<string, Buffer> | null,
): Promise<KillFigures> {
  const fig: KillFigures = { command, kills: 0, survived: 0, bytesLost: 0, uninterruptedMs, failures: [] };
  for (let i = 0; i < kills; i++) {
    const dst = join(root, `${command}-${i}${command === 'render' ? '.wav' : ''}`);
    await writeOld(dst);
    const oldOutput = snapshot(dst);
    const at = rng.next() * uninterruptedMs;
    const killed = await runNew(dst, at);
    fig.kills++;
    const after = snapshot(dst);
    const problems: string[] = [];
    if (!same(after, oldOutput) && !same(after, newOutput)) {
      problems.push(`after the kill ${dst} is neither the old output nor the new one (${after ? [...after.keys()].join(', ') || 'a file' : 'missing'})`);
      fig.bytesLost += bytesOf(oldOutput);
    }
    const rerun = await runNew(dst);
    if (rerun.code !== 0) problems.push(`rerun failed (${rerun.code ?? rerun.signal}): ${rerun.output.slice(-400)}`);
    else if (!same(snapshot(dst), newOutput)) problems.push('rerun output differs from the uninterrupted run');
    const leftovers = readdirSync(root).filter((n) => n.startsWith(`.${basename(dst)}.`));
    if (leftovers.length) problems.push(`temporaries left after the rerun: ${leftovers.join(', ')}`);
    if (problems.length) fig.failures.push(`kill at ${at.toFixed(0)} ms (${killed.signal ?? `exit ${killed.code}`}): ${problems.join('; ')}`);
    else fig.survived++;
  }
  return fig;
}
