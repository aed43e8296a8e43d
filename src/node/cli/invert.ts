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
import { type CliIo, CliUsageError, choiceArg, intArg, parseCommandArgs, processIo } from './common/io.ts';
import {
  CLI_BACKENDS, type CliBackend, FETCH_TIMEOUT_HELP, FETCH_TIMEOUT_OPTION, MODEL_HELP, openSynthSession, parseFetchTimeout, resolveModelArg,
} from './common/synth-session.ts';
import { refuseOutputOverInput, writeFileAtomic } from './common/file-output.ts';

/** One line for `gansynth --help`. */
export const summary = 'a preset whose note sounds like a WAV file (latent inversion)';

const HELP = `usage: gansynth invert NOTE.wav --out PRESET.json [--model DIR|URL] [options]

  NOTE.wav                  one note (any rate, mono or more channels: downmixed and resampled to 16 kHz, cut at
                            its onset to 4 s)
  --out FILE.json           the preset, as a bank file the instrument loads (replaced whole or not at all)
  ${MODEL_HELP}
  ${FETCH_TIMEOUT_HELP}
  --steps N                 gradient steps (default 60)
  --starts K                random starting latents, optimised together (default 4)
  --seed S                  random start i is randomLatent(S + i) (default 1)
  --pitch P                 the note's MIDI pitch, ${PITCH_MIN}..${PITCH_MAX} (default: from the file name if it says, e.g.
                            NSynth's …-060-100.wav, else estimated with YIN; refused when unclear)
  --name NAME               the preset's name (default: the file name without extension)
  --backend NAME            ${CLI_BACKENDS.join('|')} (default auto)
  --help`;

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
  const { values: v, positionals } = parseCommandArgs(argv, {
    out: { type: 'string' }, model: { type: 'string' }, steps: { type: 'string' }, starts: { type: 'string' }, seed: { type: 'string' },
    pitch: { type: 'string' }, name: { type: 'string' }, backend: { type: 'string' }, ...FETCH_TIMEOUT_OPTION, help: { type: 'boolean' },
  }, true);
  if (v.help) return null;
  if (positionals.length !== 1) throw new CliUsageError(`give exactly one WAV file to invert, got ${positionals.length}`);
  if (!v.out) throw new CliUsageError('--out is required (the preset file to write)');
  const input = resolve(positionals[0]!);
  const out = resolve(v.out);
  refuseOutputOverInput('--out', out, [{ path: input, what: 'the WAV file being read' }]);
  const name = v.name ?? basename(input, extname(input));
  if (name.length === 0) throw new CliUsageError('--name is empty');
  return {
    input, out, model: resolveModelArg(v.model), name,
    steps: intArg('steps', v.steps, 60, 0, 100000),
    starts: intArg('starts', v.starts, 4, 1, 256),
    seed: intArg('seed', v.seed, 1, 0, 0xffffffff),
    ...(v.pitch !== undefined ? { pitch: intArg('pitch', v.pitch, 60, PITCH_MIN, PITCH_MAX) } : {}),
    backend: choiceArg('backend', v.backend, 'auto', CLI_BACKENDS),
    ...(v['fetch-timeout-sec'] !== undefined ? { fetchTimeoutSec: parseFetchTimeout(v['fetch-timeout-sec']) } : {}),
  };
}

/** Runs `gansynth invert`. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<void> {
  const args = parseInvertArgs(argv);
  if (!args) {
    io.out(HELP);
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
