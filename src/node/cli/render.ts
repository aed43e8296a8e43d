/**
 * `gansynth render song.mid --out song.wav [--model DIR]`: a MIDI file played on GANSynth (Magenta's
 * gansynth_generate.py with a MIDI file, done better; see src/midi/midi-render.ts). The notes sound as on the
 * live instrument: the mix is made by the worklet's VoiceEngine (src/node/midi-mix.ts).
 */
import { readFile, mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { loadPresetBank, resolvePresetLatent } from '../../engine/presets.ts';
import { parseMidiNotes } from '../../midi/midi-notes.ts';
import {
  RENDER_RATES_HZ, renderMidi, resolveMidiRenderOptions, type LatentSource, type MidiRenderOptions,
} from '../../midi/midi-render.ts';
import { mixWithVoiceEngine } from '../midi-mix.ts';
import { type CommandSpec, formatHelp, parseCommand } from './common/args.ts';
import { type CliIo, CliUsageError, intArg, processIo } from './common/io.ts';
import { type CliBackend, SESSION_OPTIONS, openSynthSession, progressBar, resolveModelArg } from './common/synth-session.ts';
import { type WavOutput, describeLevel, parseWavOutput, wavOutputOptions, writeLeveledWav } from './common/wav-output.ts';
import { refuseOutputOverInput } from './common/file-output.ts';

/** The command's declaration: its parser and its --help (common/args.ts). */
export const spec = {
  program: 'gansynth',
  command: 'render',
  summary: 'a MIDI file played on GANSynth, as a WAV file',
  usage: ['SONG.mid --out SONG.wav [--model DIR|URL] [options]'],
  positionals: true,
  options: {
    out: { kind: 'string', value: 'FILE.wav', help: 'output WAV (mono); replaced whole or not at all, never one of the inputs;\nrequired unless --list' },
    model: SESSION_OPTIONS.model,
    'fetch-timeout-sec': SESSION_OPTIONS['fetch-timeout-sec'],
    list: { kind: 'flag', help: "print the file's tracks and exit (no model needed)" },
    tracks: { kind: 'string', value: '0,2', group: 'notes', help: 'render only these tracks (indices as --list prints them)', defaultText: 'all' },
    channels: { kind: 'string', value: '1,2', help: 'render only these MIDI channels (1..16)', defaultText: 'all' },
    'include-drums': { kind: 'flag', help: 'render channel 10 too (skipped by default: GANSynth has no drum kit)' },
    'out-of-range': { kind: 'choice', choices: ['fold', 'drop'], default: 'fold', help: 'pitches outside 24..84: move by octaves into range, or leave out' },
    'no-sustain': { kind: 'flag', help: 'ignore the sustain pedal (CC64)' },
    seed: { kind: 'int', value: 'S', min: 0, max: 0xffffffff, group: 'sound', defaultText: '0', help: 'random anchor latents from seed S' },
    'interval-sec': { kind: 'number', value: 'T', min: 0.01, max: 3600, unit: 's', default: 2, help: "seconds between anchor latents; each note gets the slerp at its start" },
    'latent-step-sec': {
      kind: 'number', value: 'T', min: 0, max: 3600, unit: 's', default: 0,
      help: 'round note starts to T before taking the latent: notes of a pitch within a step\nshare one render (long pieces render much faster; 0 = exact, as Magenta)',
    },
    presets: { kind: 'string', value: 'FILE.json', help: 'a preset bank: its latents are the anchors, in order, cycled' },
    preset: { kind: 'string', value: 'NAME', help: 'play every note on this one preset of --presets' },
    'release-sec': { kind: 'number', value: 'T', min: 0.001, max: 30, unit: 's', default: 0.3, help: "release fade after each note's end (as the instrument)" },
    rate: { kind: 'choice', value: RENDER_RATES_HZ.join('|'), choices: RENDER_RATES_HZ.map(String), default: '16000', group: 'output', help: 'output sample rate, Hz' },
    ...wavOutputOptions(false),
    backend: SESSION_OPTIONS.backend,
    'max-batch': SESSION_OPTIONS['max-batch'],
  },
  examples: ['song.mid --out song.wav', 'song.mid --list', 'song.mid --out song.wav --presets bank.json --format float --rate 48000'],
} as const satisfies CommandSpec;

/** One line for `gansynth --help`. */
export const summary = spec.summary;

/** Parsed command line of `render`. */
export interface RenderArgs {
  midiPath: string;
  model: string;
  outPath: string;
  list: boolean;
  backend: CliBackend;
  output: WavOutput;
  maxBatch?: number;
  /** --fetch-timeout-sec (undefined: the default). */
  fetchTimeoutSec?: number;
  presetsPath?: string;
  presetName?: string;
  options: Partial<MidiRenderOptions>;
}

function intList(flag: string, text: string | undefined, min: number, max: number): number[] | undefined {
  if (text === undefined) return undefined;
  const items = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new CliUsageError(`--${flag}: empty list`);
  return items.map((s) => intArg(flag, s, 0, min, max));
}

/** Validates the command line; throws CliUsageError naming the bad flag. `null` = --help. */
export function parseRenderArgs(argv: string[]): RenderArgs | null {
  const parsed = parseCommand(spec, argv);
  if (!parsed) return null;
  const { values: v, positionals: positional } = parsed;
  if (positional.length !== 1) throw new CliUsageError(`give exactly one MIDI file, got ${positional.length ? positional.join(' ') : 'none'}`);
  const list = v.list === true;
  if (!list && !v.out) throw new CliUsageError('--out is required (the WAV file to write)');
  if (v.preset !== undefined && v.presets === undefined) throw new CliUsageError('--preset NAME needs --presets FILE.json');
  if (v.seed !== undefined && v.presets !== undefined) throw new CliUsageError('--seed is for random latents; it has no effect with --presets');
  const rate = Number(v.rate);
  const options: Partial<MidiRenderOptions> = {
    tracks: intList('tracks', v.tracks, 0, 65535),
    channels: intList('channels', v.channels, 1, 16),
    includeDrums: v['include-drums'] === true,
    outOfRange: v['out-of-range'],
    sustainPedal: v['no-sustain'] !== true,
    latents: { kind: 'random', seed: v.seed ?? 0 },
    intervalSec: v['interval-sec'],
    releaseSec: v['release-sec'],
    latentStepSec: v['latent-step-sec'],
    sampleRateHz: rate,
    gain: 0, // the raw mix: the level is set once, where the WAV is written (common/wav-output.ts)
  };
  const midiPath = resolve(positional[0]!);
  const outPath = v.out ? resolve(v.out) : '';
  // The WAV replaces whatever is at --out (write-then-rename): never one of the files this command reads.
  if (!list) {
    refuseOutputOverInput('--out', outPath, [
      { path: midiPath, what: 'the MIDI file being read' },
      ...(v.presets !== undefined ? [{ path: resolve(v.presets), what: 'the preset bank being read' }] : []),
    ]);
  }
  return {
    midiPath,
    model: list ? '' : resolveModelArg(v.model),
    outPath,
    list,
    backend: v.backend,
    output: parseWavOutput(v),
    ...(v['max-batch'] !== undefined ? { maxBatch: v['max-batch'] } : {}),
    ...(v['fetch-timeout-sec'] !== undefined ? { fetchTimeoutSec: v['fetch-timeout-sec'] } : {}),
    ...(v.presets !== undefined ? { presetsPath: resolve(v.presets) } : {}),
    ...(v.preset !== undefined ? { presetName: v.preset } : {}),
    options,
  };
}

async function readBytes(path: string, what: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    throw new Error(`cannot read ${what} '${path}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Latents from --presets / --preset (loaded once the model's latent size is known). */
async function presetSource(args: RenderArgs, latentSize: number): Promise<LatentSource | undefined> {
  if (!args.presetsPath) return undefined;
  const bank = loadPresetBank(new TextDecoder().decode(await readBytes(args.presetsPath, 'preset bank')), { latentSize });
  if (bank.length === 0) throw new Error(`${args.presetsPath}: the preset bank is empty`);
  if (args.presetName !== undefined) {
    const p = bank.find((x) => x.name === args.presetName);
    if (!p) throw new Error(`no preset named '${args.presetName}' in ${args.presetsPath} (it has: ${bank.map((x) => x.name).join(', ')})`);
    return { kind: 'fixed', latent: resolvePresetLatent(p, latentSize) };
  }
  return { kind: 'anchors', latents: bank.map((p) => resolvePresetLatent(p, latentSize)) };
}

/** Runs `gansynth render`. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<void> {
  const args = parseRenderArgs(argv);
  if (!args) {
    io.out(formatHelp(spec));
    return;
  }
  const bytes = await readBytes(args.midiPath, 'MIDI file');
  // Parse before loading any model: a bad file fails in milliseconds, with the reason.
  const checked = resolveMidiRenderOptions(args.options);
  const notes = parseMidiNotes(bytes, checked);
  if (args.list) {
    for (const t of notes.tracks) io.out(`track ${t.index}: channel ${t.channel}, ${t.noteCount} notes, program ${t.program} ${t.instrument}${t.name ? ` "${t.name}"` : ''}`);
    io.out(`${notes.notes.length} notes selected, ${notes.durationSec.toFixed(2)} s`);
    return;
  }
  for (const w of notes.warnings.messages) io.err(`warning: ${w}`);
  const session = await openSynthSession({
    model: args.model, sampleRateHz: checked.sampleRateHz, backend: args.backend, maxBatch: args.maxBatch, notice: io.err, fetchTimeoutSec: args.fetchTimeoutSec,
  });
  try {
    const latents = (await presetSource(args, session.model.config.latentSize)) ?? checked.latents;
    io.out(`${session.description}; ${notes.notes.length} notes, ${notes.durationSec.toFixed(2)} s at ${checked.sampleRateHz} Hz`);
    let bar: ReturnType<typeof progressBar> = null;
    const result = await renderMidi(bytes, session.renderer, mixWithVoiceEngine, { ...args.options, latents }, (p) => {
      if (p.phase === 'synth') {
        bar ??= progressBar(io, p.total, 'notes');
        bar?.update(p.done, p.done === p.total ? 'mixing' : 'rendering');
      }
    }).finally(() => bar?.stop());
    await mkdir(dirname(args.outPath), { recursive: true });
    const report = await writeLeveledWav(args.outPath, [result.samples], result.sampleRateHz, args.output);
    io.out(`${args.outPath}: ${(result.samples.length / result.sampleRateHz).toFixed(2)} s, ${result.plan.notes.length} notes ` +
      `(${result.plan.requests.length} distinct renders), ${args.output.format === 'pcm16' ? '16-bit' : 'float'}; ${describeLevel(args.output, report)}`);
    io.out(`synthesis ${(result.synthMs / 1000).toFixed(2)} s (${result.msPerNote.toFixed(0)} ms/note), mix ${(result.mixMs / 1000).toFixed(2)} s, ` +
      `at most ${result.peakBuffersHeld} note buffers held`);
  } finally {
    session.dispose();
  }
}
