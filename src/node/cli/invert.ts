/**
 * `gansynth invert note.wav --out preset.json`: the latent whose note sounds most like a recorded one
 * (src/engine/invert.ts), written as a one-preset bank file (the format the instrument loads and saves), named after
 * the WAV. Prints the loss of every step and the final spectral distance.
 */
import { readFile } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import { decodeWav } from '../../shared/wav.ts';
import { PITCH_MAX, PITCH_MIN } from '../../shared/constants.ts';
import { prepareInversionTarget } from '../../engine/invert-target.ts';
import { invertSound } from '../../engine/invert.ts';
import { presetFromLatent, savePresetBank } from '../../engine/presets.ts';
import { type CommandSpec, formatHelp, parseCommand, requireOption } from './common/args.ts';
import { type CliIo, CliUsageError, processIo } from './common/io.ts';
import { type CliBackend, SESSION_OPTIONS, openSynthSession, resolveModelArg } from './common/synth-session.ts';
import { refuseOutputOverInput, writeFileAtomic } from './common/file-output.ts';

/** The command's declaration: its parser and its --help (common/args.ts). */
export const spec = {
  program: 'gansynth',
  command: 'invert',
  summary: 'a preset whose note sounds like a WAV file (latent inversion)',
  usage: ['NOTE.wav --out PRESET.json [--model DIR|URL] [options]'],
  positionals: true,
  notes: 'NOTE.wav: one note (any rate, mono or more channels: downmixed and resampled to 16 kHz, cut at its onset to 4 s)',
  options: {
    out: { kind: 'string', value: 'FILE.json', help: 'the preset, as a bank file the instrument loads (replaced whole or not at all); required' },
    model: SESSION_OPTIONS.model,
    'fetch-timeout-sec': SESSION_OPTIONS['fetch-timeout-sec'],
    steps: { kind: 'int', value: 'N', min: 0, max: 100000, default: 60, help: 'gradient steps' },
    starts: { kind: 'int', value: 'K', min: 1, max: 256, default: 4, help: 'random starting latents, optimised together' },
    seed: { kind: 'int', value: 'S', min: 0, max: 0xffffffff, default: 1, help: 'random start i is randomLatent(S + i)' },
    pitch: {
      kind: 'int', value: 'P', min: PITCH_MIN, max: PITCH_MAX, defaultText: "from the file name if it says (NSynth's …-060-100.wav),\nelse estimated with YIN; refused when unclear",
      help: "the note's MIDI pitch",
    },
    name: { kind: 'string', value: 'NAME', defaultText: 'the file name without extension', help: "the preset's name" },
    backend: SESSION_OPTIONS.backend,
  },
  examples: ['cello-c3.wav --out cello.json', 'note.wav --out mine.json --model models/mine --steps 200 --starts 8 --pitch 48'],
} as const satisfies CommandSpec;

/** One line for `gansynth --help`. */
export const summary = spec.summary;

/** Parsed and validated options of `invert`. */
export interface InvertArgs {
  input: string;
  out: string;
  model: string;
  steps: number;
  starts: number;
  seed: number;
  pitch?: number;
  name: string;
  backend: CliBackend;
  fetchTimeoutSec?: number;
}

/** Validates the command line; throws CliUsageError naming the bad flag. `null` = --help. */
export function parseInvertArgs(argv: string[]): InvertArgs | null {
  const parsed = parseCommand(spec, argv);
  if (!parsed) return null;
  const { values: v, positionals } = parsed;
  if (positionals.length !== 1) throw new CliUsageError(`give exactly one WAV file to invert, got ${positionals.length}`);
  const out = resolve(requireOption('out', v.out, 'the preset file to write'));
  const input = resolve(positionals[0]!);
  refuseOutputOverInput('--out', out, [{ path: input, what: 'the WAV file being read' }]);
  const name = v.name ?? basename(input, extname(input));
  if (name.length === 0) throw new CliUsageError('--name is empty');
  return {
    input, out, model: resolveModelArg(v.model), name, steps: v.steps, starts: v.starts, seed: v.seed, backend: v.backend,
    ...(v.pitch !== undefined ? { pitch: v.pitch } : {}),
    ...(v['fetch-timeout-sec'] !== undefined ? { fetchTimeoutSec: v['fetch-timeout-sec'] } : {}),
  };
}

/** Runs `gansynth invert`. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<void> {
  const args = parseInvertArgs(argv);
  if (!args) {
    io.out(formatHelp(spec));
    return;
  }
  let bytes: Uint8Array;
  try {
    bytes = await readFile(args.input);
  } catch (e) {
    throw new Error(`cannot read ${args.input}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let wav;
  try {
    wav = decodeWav(bytes);
  } catch (e) {
    throw new Error(`${args.input}: ${(e as Error).message.replace(/^decodeWav: /, '')}`);
  }
  const session = await openSynthSession({ model: args.model, sampleRateHz: 16000, backend: args.backend, notice: io.err, fetchTimeoutSec: args.fetchTimeoutSec });
  try {
    const target = prepareInversionTarget(wav, session.model.config, { source: basename(args.input), pitch: args.pitch });
    io.out(session.description);
    io.out(
      `${basename(args.input)}: ${target.conversion}, onset at ${target.onsetSec.toFixed(3)} s, ${target.durationSec.toFixed(2)} s from it; ` +
      `pitch ${target.pitch} (${target.pitchSource === 'f0' ? `f0 ${target.f0Hz.toFixed(1)} Hz` : target.pitchSource}); ` +
      `${args.starts} starts, ${args.steps} steps`,
    );
    const t0 = performance.now();
    const result = await invertSound(session.model, target, {
      steps: args.steps, starts: args.starts, seed: args.seed,
      onStep: (p) => io.out(`step ${String(p.step).padStart(String(p.steps).length)}/${p.steps}  loss ${p.lossPerStart.map((l) => l.toFixed(4)).join(' ')}  best ${p.bestLoss.toFixed(4)} (${p.bestDistanceDb.toFixed(2)} dB)`),
    });
    const seconds = (performance.now() - t0) / 1000;
    const modelId = session.model.meta.name ?? session.model.config.name;
    const preset = presetFromLatent(args.name, result.latent, modelId);
    await writeFileAtomic(args.out, new TextEncoder().encode(savePresetBank([preset])));
    io.out(
      `final spectral distance ${result.spectralDistanceDb.toFixed(2)} dB RMS log-mel (best start ${result.startDistanceDb.toFixed(2)} dB before the descent), ` +
      `start #${result.bestStart}, level ${result.levelDb >= 0 ? '+' : ''}${result.levelDb.toFixed(1)} dB, ${seconds.toFixed(1)} s`,
    );
    io.out(`wrote ${args.out} (preset "${preset.name}", model ${modelId})`);
  } finally {
    session.dispose();
  }
}
