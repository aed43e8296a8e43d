/**
 * `gansynth generate`: random notes from a model as 16-bit WAV files, one latent per note
 * (randomLatent(seed + i), so note i is reproducible whatever --count is, and equals the preset {seed: seed + i}).
 */
import { existsSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import cliProgress from 'cli-progress';
import { PITCH_MAX, PITCH_MIN } from '../../shared/constants.ts';
import { encodeWav } from '../../shared/wav.ts';
import { randomLatent } from '../../engine/latent.ts';
import { NoteRenderer } from '../../engine/renderer.ts';
import { isSoftwareWebgpu, webgpuAdapterDescription } from '../../engine/backend.ts';
import { useNodeBackend, type NodeBackendName } from '../backends.ts';
import { loadModelFromDisk } from '../model-io.ts';
import { type CliIo, CliUsageError, choiceArg, intArg, parseCommandArgs, processIo } from './common/io.ts';

/** One line for `gansynth --help`. */
export const summary = 'random notes from a model as 16-bit WAV files';

/** The embedded default model (seeded, untrained paper architecture; see models/README.md). */
export const DEFAULT_MODEL_DIR = fileURLToPath(new URL('../../../models/default', import.meta.url));

const BACKENDS = ['auto', 'webgpu', 'wasm', 'cpu', 'tensorflow'] as const;

const HELP = `usage: gansynth generate --model DIR|URL|default --out DIR [options]

  --model DIR|URL|default  model directory (model.json or a Magenta checkpoint); 'default' = models/default
  --out DIR                where the WAV files go (created)
  --pitch P[,P...]         MIDI pitch(es), ${PITCH_MIN}..${PITCH_MAX} (default 60)
  --count N                notes per pitch, each its own random latent (default 1)
  --seed S                 latent of note i is randomLatent(S + i) (default 1)
  --rate HZ                output sample rate, 8000..192000 (default 16000, the model's)
  --backend NAME           ${BACKENDS.join('|')} (default auto: tensorflow > webgpu > wasm > cpu;
                           auto skips a software WebGPU adapter such as SwiftShader)
  --max-batch N            notes per generator call (default: the backend's rule)
  --help`;

/** Parsed and validated options of `generate`. */
export interface GenerateArgs {
  model: string;
  outDir: string;
  pitches: number[];
  count: number;
  seed: number;
  rateHz: number;
  backend: (typeof BACKENDS)[number];
  maxBatch?: number;
}

/** Validates the command line; throws CliUsageError naming the bad flag. `null` = --help. */
export function parseGenerateArgs(argv: string[]): GenerateArgs | null {
  const { values: v } = parseCommandArgs(argv, {
    model: { type: 'string' }, out: { type: 'string' }, pitch: { type: 'string' }, count: { type: 'string' },
    seed: { type: 'string' }, rate: { type: 'string' }, backend: { type: 'string' }, 'max-batch': { type: 'string' },
    help: { type: 'boolean' },
  });
  if (v.help) return null;
  if (!v.model) throw new CliUsageError("--model is required (a model directory, a URL, or 'default')");
  if (!v.out) throw new CliUsageError('--out is required (directory for the WAV files)');
  const pitches = (v.pitch ?? '60').split(',').map((p) => intArg('pitch', p.trim(), 60, PITCH_MIN, PITCH_MAX));
  if (new Set(pitches).size !== pitches.length) throw new CliUsageError(`--pitch lists a pitch twice: ${v.pitch}`);
  let model = v.model;
  if (model === 'default') model = DEFAULT_MODEL_DIR;
  else if (!/^(https?|file):/i.test(model)) {
    model = resolve(model);
    if (!existsSync(model)) throw new CliUsageError(`--model: no such directory '${v.model}'`);
    if (!statSync(model).isDirectory()) throw new CliUsageError(`--model: '${v.model}' is not a directory`);
  }
  return {
    model,
    outDir: resolve(v.out),
    pitches,
    count: intArg('count', v.count, 1, 1, 10000),
    seed: intArg('seed', v.seed, 1, 0, 0xffffffff),
    rateHz: intArg('rate', v.rate, 16000, 8000, 192000),
    backend: choiceArg('backend', v.backend, 'auto', BACKENDS),
    ...(v['max-batch'] !== undefined ? { maxBatch: intArg('max-batch', v['max-batch'], 1, 1, 256) } : {}),
  };
}

/** Runs `gansynth generate`. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<void> {
  const args = parseGenerateArgs(argv);
  if (!args) {
    io.out(HELP);
    return;
  }
  let backend: NodeBackendName = await useNodeBackend(args.backend);
  if (args.backend === 'auto' && backend === 'webgpu' && isSoftwareWebgpu()) {
    // Dawn found only a software adapter: tfjs-wasm is faster on the same CPU.
    io.err(`webgpu adapter is software (${webgpuAdapterDescription()}): using wasm; --backend webgpu forces it`);
    backend = await useNodeBackend('wasm');
  }
  const model = await loadModelFromDisk(args.model);
  const renderer = new NoteRenderer({ model, sampleRateHz: args.rateHz, backend: 'current', maxBatch: args.maxBatch });
  try {
    await renderer.initialize();
    for (const p of args.pitches) {
      if (p < model.config.pitchMin || p > model.config.pitchMax) {
        throw new CliUsageError(`--pitch ${p} is outside this model's range ${model.config.pitchMin}..${model.config.pitchMax}`);
      }
    }
    const requests = args.pitches.flatMap((pitch) =>
      Array.from({ length: args.count }, (_, i) => ({ pitch, seed: args.seed + i, latent: randomLatent(args.seed + i, model.config.latentSize) })));
    io.out(`model ${model.meta.name ?? model.config.name} (${model.config.name}${model.meta.untrained ? ', UNTRAINED: noise, not instruments' : ''}), backend ${backend}, batch ≤ ${renderer.maxBatch}, ${requests.length} notes at ${args.rateHz} Hz`);
    await mkdir(args.outDir, { recursive: true });
    const bar = io.progressStream
      ? new cliProgress.SingleBar({ stream: io.progressStream, format: 'rendering [{bar}] {value}/{total} notes | {duration}s', hideCursor: true }, cliProgress.Presets.shades_classic)
      : null;
    bar?.start(requests.length, 0);
    const t0 = performance.now();
    let buffers: Float32Array[];
    try {
      buffers = await renderer.renderNotes(requests, args.rateHz, (done) => bar?.update(done));
    } finally {
      bar?.stop();
    }
    const seconds = (performance.now() - t0) / 1000;
    for (let i = 0; i < requests.length; i++) {
      const { pitch, seed } = requests[i]!;
      const samples = buffers[i]!;
      let peak = 0;
      for (const s of samples) peak = Math.max(peak, Math.abs(s));
      const file = join(args.outDir, `gansynth-p${pitch}-s${seed}.wav`);
      await writeFile(file, encodeWav([samples], args.rateHz, 'pcm16'));
      io.out(`${file}  peak ${(20 * Math.log10(peak || 1e-12)).toFixed(1)} dBFS${peak > 1 ? ' (clipped)' : ''}`);
    }
    io.out(`${requests.length} notes in ${seconds.toFixed(2)} s (${((seconds * 1000) / requests.length).toFixed(0)} ms/note)`);
  } finally {
    renderer.dispose();
    model.dispose();
  }
}
