/**
 * `gansynth generate`: random notes from a model as WAV files, one latent per note (randomLatent(seed + i), so
 * note i is reproducible whatever --count is, and equals the preset {seed: seed + i}). Each file is levelled on
 * its own (common/wav-output.ts) for the same reason: its bytes depend on its note only. Notes render one generator
 * batch at a time and each file is written (atomically) as soon as its note is back, so memory does not grow with
 * --count and a run stopped half-way keeps what it rendered.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PITCH_MAX, PITCH_MIN } from '../../shared/constants.ts';
import { randomLatent } from '../../engine/latent.ts';
import { type CommandSpec, formatHelp, parseCommand, requireOption } from './common/args.ts';
import { type CliIo, CliUsageError, intArg, processIo } from './common/io.ts';
import { type CliBackend, SESSION_OPTIONS, openSynthSession, progressBar, resolveModelArg } from './common/synth-session.ts';
import { type WavOutput, describeLevel, parseWavOutput, wavOutputOptions, writeLeveledWav } from './common/wav-output.ts';
import { refuseOutputOverInput } from './common/file-output.ts';

/** Largest seed: latents come from a 32-bit generator state (SeededRandom). */
const MAX_SEED = 0xffffffff;

/** The command's declaration: its parser and its --help (common/args.ts). */
export const spec = {
  program: 'gansynth',
  command: 'generate',
  summary: 'random notes from a model as WAV files',
  usage: ['--out DIR [--model DIR|URL] [options]'],
  options: {
    out: { kind: 'string', value: 'DIR', help: 'where the WAV files go (created); required' },
    model: SESSION_OPTIONS.model,
    'fetch-timeout-sec': SESSION_OPTIONS['fetch-timeout-sec'],
    pitch: { kind: 'string', value: 'P[,P...]', default: '60', help: `MIDI pitch(es), ${PITCH_MIN}..${PITCH_MAX}` },
    count: { kind: 'int', value: 'N', min: 1, max: 10000, default: 1, help: 'notes per pitch, each its own random latent' },
    seed: { kind: 'int', value: 'S', min: 0, max: MAX_SEED, default: 1, help: 'latent of note i is randomLatent(S + i); S + N - 1 ≤ 4294967295' },
    rate: { kind: 'int', value: 'HZ', min: 8000, max: 192000, default: 16000, help: "output sample rate, Hz; the model's is 16000" },
    ...wavOutputOptions(true),
    backend: SESSION_OPTIONS.backend,
    'max-batch': SESSION_OPTIONS['max-batch'],
  },
  examples: ['--pitch 60 --count 8 --seed 1 --out notes/', '--pitch 48,60,72 --model models/mine --format float --out notes/'],
} as const satisfies CommandSpec;

/** One line for `gansynth --help`. */
export const summary = spec.summary;

/** Parsed and validated options of `generate`. */
export interface GenerateArgs {
  /** Model directory or URL; DEFAULT_MODEL_PATH when --model is not given. */
  model: string;
  outDir: string;
  pitches: number[];
  count: number;
  seed: number;
  rateHz: number;
  output: WavOutput;
  backend: CliBackend;
  maxBatch?: number;
  /** --fetch-timeout-sec (undefined: the default). */
  fetchTimeoutSec?: number;
}

/** Validates the command line; throws CliUsageError naming the bad flag. `null` = --help. */
export function parseGenerateArgs(argv: string[]): GenerateArgs | null {
  const parsed = parseCommand(spec, argv);
  if (!parsed) return null;
  const v = parsed.values;
  const out = requireOption('out', v.out, 'directory for the WAV files');
  const pitches = v.pitch.split(',').map((p) => intArg('pitch', p.trim(), 60, PITCH_MIN, PITCH_MAX));
  if (new Set(pitches).size !== pitches.length) throw new CliUsageError(`--pitch lists a pitch twice: ${v.pitch}`);
  const { count, seed } = v;
  // randomLatent's generator state is a uint32: seed 2^32 is seed 0 again, so a wrap would repeat notes silently.
  if (seed + count - 1 > MAX_SEED) {
    throw new CliUsageError(
      `--seed ${seed} with --count ${count} needs seeds up to ${seed + count - 1}, but seeds are 32-bit (0..${MAX_SEED}): ` +
      `use --seed ${MAX_SEED - count + 1} or lower, or a smaller --count`,
    );
  }
  const model = resolveModelArg(v.model);
  const outDir = resolve(out);
  if (!/^[a-z][a-z0-9+.-]*:/i.test(model)) {
    refuseOutputOverInput('--out', outDir, [{ path: model, what: 'the model directory being read' }], 'output directory');
  }
  return {
    model,
    outDir,
    pitches,
    count,
    seed,
    rateHz: v.rate,
    output: parseWavOutput(v),
    backend: v.backend,
    ...(v['max-batch'] !== undefined ? { maxBatch: v['max-batch'] } : {}),
    ...(v['fetch-timeout-sec'] !== undefined ? { fetchTimeoutSec: v['fetch-timeout-sec'] } : {}),
  };
}

/** Runs `gansynth generate`. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<void> {
  const args = parseGenerateArgs(argv);
  if (!args) {
    io.out(formatHelp(spec));
    return;
  }
  const session = await openSynthSession({
    model: args.model, sampleRateHz: args.rateHz, backend: args.backend, maxBatch: args.maxBatch, notice: io.err, fetchTimeoutSec: args.fetchTimeoutSec,
  });
  try {
    const { config } = session.model;
    for (const p of args.pitches) {
      if (p < config.pitchMin || p > config.pitchMax) {
        throw new CliUsageError(`--pitch ${p} is outside this model's range ${config.pitchMin}..${config.pitchMax}`);
      }
    }
    const notes = args.pitches.flatMap((pitch) => Array.from({ length: args.count }, (_, i) => ({ pitch, seed: args.seed + i })));
    io.out(`${session.description}; ${notes.length} notes at ${args.rateHz} Hz`);
    await mkdir(args.outDir, { recursive: true });
    const bar = progressBar(io, notes.length, 'notes');
    // With a bar on the terminal, the file lines wait for it to finish (they would tear it); the files do not.
    const held: string[] = [];
    const log = (line: string) => (bar ? held.push(line) : io.out(line));
    const t0 = performance.now();
    try {
      // One generator batch at a time, each note written as soon as it is back: memory stays at one batch, and a
      // run stopped half-way keeps every note it rendered.
      const batch = session.renderer.maxBatch;
      for (let start = 0; start < notes.length; start += batch) {
        const chunk = notes.slice(start, start + batch);
        const buffers = await session.renderer.renderNotes(
          chunk.map(({ pitch, seed }) => ({ pitch, latent: randomLatent(seed, config.latentSize) })), args.rateHz);
        for (const [j, { pitch, seed }] of chunk.entries()) {
          const file = join(args.outDir, `gansynth-p${pitch}-s${seed}.wav`);
          const report = await writeLeveledWav(file, [buffers[j]!], args.rateHz, args.output);
          log(`${file}  ${describeLevel(args.output, report)}`);
          bar?.update(start + j + 1);
        }
      }
    } finally {
      bar?.stop();
      for (const line of held) io.out(line);
    }
    const seconds = (performance.now() - t0) / 1000;
    io.out(`${notes.length} notes in ${seconds.toFixed(2)} s (${((seconds * 1000) / notes.length).toFixed(0)} ms/note), ` +
      `${args.output.format === 'pcm16' ? '16-bit' : 'float'} WAV`);
  } finally {
    session.dispose();
  }
}
