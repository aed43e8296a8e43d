/**
 * `gansynth-trainer features`: computes (or reuses) the raw-feature cache of a dataset and writes its normaliser,
 * so training starts on cached data. Reports examples/s.
 */
import { SingleBar, Presets } from 'cli-progress';
import { NODE_BACKENDS, useNodeBackend } from 'gansynth-web/node/backends';
import { type CommandSpec, parseOrHelp, requireOption } from 'gansynth-web/node/cli/common/args';
import { type CliIo, processIo } from 'gansynth-web/node/cli/common/io';
import { backendChoices } from 'gansynth-web/shared/backend-policy';
import { SHORT_NOTES } from '../data/feature-cache.ts';
import { prepareTrainingData } from '../data/pipeline.ts';
import { saveNormalizer } from '../data/normalizer.ts';

/** The command's declaration: its parser and its --help (gansynth-web's common/args.ts). */
export const spec = {
  program: 'gansynth-trainer',
  command: 'features',
  summary: 'cache raw mel features of a dataset (NSynth json+wav / TFRecord / TFDS / ours) and write its normaliser',
  usage: ['--dataset PATH --cache DIR [options]'],
  options: {
    dataset: {
      kind: 'string', value: 'PATH',
      help: 'json+wav split dir, a dir with nsynth-<split>/, a .tfrecord file, or NSynth as TFDS\nprepares it (its data dir, nsynth/<config> or nsynth/<config>/<version>); required',
    },
    split: { kind: 'string', value: 'NAME', defaultText: 'train', help: 'split to read' },
    cache: { kind: 'string', value: 'DIR', help: 'feature cache directory (reused when dataset and spectral config match); required' },
    normalizer: { kind: 'choice', choices: ['prespecified', 'range'], default: 'prespecified', help: "Magenta's constants, or from this data (margin 0.8)" },
    'normalizer-out': { kind: 'string', value: 'FILE', defaultText: 'DIR/normalizer.json', help: 'write the normaliser JSON here' },
    dtype: { kind: 'choice', choices: ['float16', 'float32'], default: 'float16', help: 'cache precision' },
    backend: { kind: 'choice', choices: backendChoices(NODE_BACKENDS, 'inference'), default: 'auto', help: 'tfjs backend; auto as README.md "Backends" says (inference)' },
    'short-notes': {
      kind: 'choice', choices: SHORT_NOTES, default: 'skip',
      help: 'a note shorter than 4 s (e.g. a truncated WAV) is skipped and counted, or an error\nnaming the file',
    },
    'no-progress': { kind: 'flag', help: 'no progress bar' },
  },
  examples: ['--dataset data/fluidr3/nsynth-train --cache cache/fluidr3', '--dataset nsynth-train.tfrecord --cache cache/nsynth --normalizer range'],
} as const satisfies CommandSpec;

/** One line for the CLI's usage list. */
export const summary = spec.summary;

/** Runs the command. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<void> {
  const parsed = parseOrHelp(spec, argv, io.out);
  if (!parsed) return;
  const { values } = parsed;
  const dataset = requireOption('dataset', values.dataset, 'the dataset to read');
  const cache = requireOption('cache', values.cache, 'the feature cache directory');
  const { normalizer, dtype } = values;
  const shortNotes = values['short-notes'];
  const backend = await useNodeBackend(values.backend);
  const bar = values['no-progress'] || !process.stderr.isTTY ? undefined : new SingleBar({ format: 'features [{bar}] {value}/{total} | {eta_formatted} left', stream: process.stderr }, Presets.shades_classic);
  let started = false;
  const t0 = performance.now();
  const data = await prepareTrainingData({
    dataset, split: values.split, cacheDir: cache, normalizer, dtype, batchSize: 1, seed: 0, shortNotes,
    onProgress: (done, total) => {
      if (!started) bar?.start(total, 0);
      started = true;
      bar?.update(done);
    },
  });
  bar?.stop();
  const seconds = (performance.now() - t0) / 1000;
  const out = values['normalizer-out'] ?? `${cache}/normalizer.json`;
  saveNormalizer(out, data.normalizer);
  const rate = data.cache.reused ? 'cache reused' : `${(data.cache.size / seconds).toFixed(2)} examples/s on ${backend}`;
  console.log(`${data.cache.size} examples (${data.pitchCounts.size} pitches) in ${cache}: ${rate}, ${seconds.toFixed(1)} s; ${normalizer} normaliser → ${out} ${JSON.stringify(data.normalization)}`);
}
