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
import { type CliIo, CliUsageError, choiceArg, intArg, parseCommandArgs, processIo } from './common/io.ts';
import {
  CLI_BACKENDS, type CliBackend, FETCH_TIMEOUT_HELP, FETCH_TIMEOUT_OPTION, MODEL_HELP, openSynthSession, parseFetchTimeout, progressBar,
  resolveModelArg,
} from './common/synth-session.ts';
import { WAV_OUTPUT_OPTIONS, type WavOutput, describeLevel, parseWavOutput, wavOutputHelp, writeLeveledWav } from './common/wav-output.ts';
import { refuseOutputOverInput } from './common/file-output.ts';

/** Largest seed: latents come from a 32-bit generator state (SeededRandom). */
const MAX_SEED = 0xffffffff;

/** One line for `gansynth --help`. */
export const summary = 'random notes from a model as WAV files';

const HELP = `usage: gansynth generate --out DIR [--model DIR|URL] [options]

  --out DIR                 where the WAV files go (created)
  ${MODEL_HELP}
  ${FETCH_TIMEOUT_HELP}
  --pitch P[,P...]          MIDI pitch(es), ${PITCH_MIN}..${PITCH_MAX} (default 60)
  --count N                 notes per pitch, each its own random latent (default 1)
  --seed S                  latent of note i is randomLatent(S + i) (default 1; S + N - 1 ≤ 4294967295)
  --rate HZ                 output sample rate, 8000..192000 (default 16000, the model's)
${wavOutputHelp(true)}
  --backend NAME            ${CLI_BACKENDS.join('|')} (default auto: tensorflow > webgpu > wasm > cpu;
                            auto skips a software WebGPU adapter such as SwiftShader)
  --max-batch N             notes per generator call (default: the backend's rule)
  --help`;

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
  const { values: v } = parseCommandArgs(argv, {
    model: { type: 'string' }, out: { type: 'string' }, pitch: { type: 'string' }, count: { type: 'string' },
    seed: { type: 'string' }, rate: { type: 'string' }, ...WAV_OUTPUT_OPTIONS, backend: { type: 'string' },
    'max-batch': { type: 'string' }, ...FETCH_TIMEOUT_OPTION, help: { type: 'boolean' },
  });
  if (v.help) return null;
  if (!v.out) throw new CliUsageError('--out is required (directory for the WAV files)');
  const pitches = (v.pitch ?? '60').split(',').map((p) => intArg('pitch', p.trim(), 60, PITCH_MIN, PITCH_MAX));
  if (new Set(pitches).size !== pitches.length) throw new CliUsageError(`--pitch lists a pitch twice: ${v.pitch}`);
  const count = intArg('count', v.count, 1, 1, 10000);
  const seed = intArg('seed', v.seed, 1, 0, MAX_SEED);
  // randomLatent's generator state is a uint32: seed 2^32 is seed 0 again, so a wrap would repeat notes silently.
  if (seed + count - 1 > MAX_SEED) {
    throw new CliUsageError(
      `--seed ${seed} with --count ${count} needs seeds up to ${seed + count - 1}, but seeds are 32-bit (0..${MAX_SEED}): ` +
      `use --seed ${MAX_SEED - count + 1} or lower, or a smaller --count`,
    );
  }
  const model = resolveModelArg(v.model);
  const outDir = resolve(v.out);
  if (!/^[a-z][a-z0-9+.-]*:/i.test(model)) {
    refuseOutputOverInput('--out', outDir, [{ path: model, what: 'the model directory being read' }], 'output directory');
  }
  return {
    model,
    outDir,
    pitches,
    count,
    seed,
    rateHz: intArg('rate', v.rate, 16000, 8000, 192000),
    output: parseWavOutput(v),
    backend: choiceArg('backend', v.backend, 'auto', CLI_BACKENDS),
    ...(v['max-batch'] !== undefined ? { maxBatch: intArg('max-batch', v['max-batch'], 1, 1, 256) } : {}),
    ...(v['fetch-timeout-sec'] !== undefined ? { fetchTimeoutSec: parseFetchTimeout(v['fetch-timeout-sec']) } : {}),
  };
}

/** Runs `gansynth generate`. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<void> {
  const args = parseGenerateArgs(argv);
  if (!args) {
    io.out(HELP);
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
