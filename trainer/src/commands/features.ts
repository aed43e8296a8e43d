/**
 * `gansynth-trainer features`: computes (or reuses) the raw-feature cache of a dataset and writes its normaliser,
 * so training starts on cached data. Reports examples/s.
 */
import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import { useNodeBackend, type NodeBackendName } from 'gansynth-web/node/backends';
import { SHORT_NOTES, type ShortNotes } from '../data/feature-cache.ts';
import { prepareTrainingData } from '../data/pipeline.ts';
import { saveNormalizer } from '../data/normalizer.ts';

/** One line for the CLI's usage list. */
export const summary = 'cache raw mel features of a dataset (NSynth json+wav / TFRecord / TFDS / ours) and write its normaliser';

const HELP = `usage: gansynth-trainer features --dataset PATH --cache DIR [options]

  --dataset PATH        json+wav split dir, a dir with nsynth-<split>/, a .tfrecord file, or NSynth as TFDS
                        prepares it (its data dir, nsynth/<config> or nsynth/<config>/<version>)
  --split NAME          split to read (default train)
  --cache DIR           feature cache directory (reused when dataset and spectral config match)
  --normalizer KIND     prespecified (Magenta's constants, default) | range (from this data, margin 0.8)
  --normalizer-out FILE write the normaliser JSON here (default DIR/normalizer.json)
  --dtype float16|float32   cache precision (default float16)
  --backend NAME        auto | tensorflow | webgpu | wasm | cpu (default auto)
  --short-notes skip|fail   a note shorter than 4 s (e.g. a truncated WAV) is skipped and counted (default),
                        or an error naming the file
  --no-progress         no progress bar
`;

/** Runs the command. */
export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      dataset: { type: 'string' }, split: { type: 'string' }, cache: { type: 'string' }, normalizer: { type: 'string' },
      'normalizer-out': { type: 'string' }, dtype: { type: 'string' }, backend: { type: 'string' },
      'no-progress': { type: 'boolean' }, 'short-notes': { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  if (!values.dataset || !values.cache) throw new Error('--dataset PATH and --cache DIR are required (see --help)');
  const normalizer = (values.normalizer ?? 'prespecified') as 'prespecified' | 'range';
  if (normalizer !== 'prespecified' && normalizer !== 'range') throw new Error(`--normalizer must be prespecified or range, got '${values.normalizer}'`);
  const dtype = (values.dtype ?? 'float16') as 'float16' | 'float32';
  if (dtype !== 'float16' && dtype !== 'float32') throw new Error(`--dtype must be float16 or float32, got '${values.dtype}'`);
  const shortNotes = (values['short-notes'] ?? 'skip') as ShortNotes;
  if (!SHORT_NOTES.includes(shortNotes)) throw new Error(`--short-notes must be ${SHORT_NOTES.join(' or ')}, got '${values['short-notes']}'`);
  const backend = await useNodeBackend((values.backend ?? 'auto') as NodeBackendName | 'auto');
  const bar = values['no-progress'] || !process.stderr.isTTY ? undefined : new SingleBar({ format: 'features [{bar}] {value}/{total} | {eta_formatted} left', stream: process.stderr }, Presets.shades_classic);
  let started = false;
  const t0 = performance.now();
  const data = await prepareTrainingData({
    dataset: values.dataset, split: values.split, cacheDir: values.cache, normalizer, dtype, batchSize: 1, seed: 0, shortNotes,
    onProgress: (done, total) => {
      if (!started) bar?.start(total, 0);
      started = true;
      bar?.update(done);
    },
  });
  bar?.stop();
  const seconds = (performance.now() - t0) / 1000;
  const out = values['normalizer-out'] ?? `${values.cache}/normalizer.json`;
  saveNormalizer(out, data.normalizer);
  const rate = data.cache.reused ? 'cache reused' : `${(data.cache.size / seconds).toFixed(2)} examples/s on ${backend}`;
  console.log(`${data.cache.size} examples (${data.pitchCounts.size} pitches) in ${values.cache}: ${rate}, ${seconds.toFixed(1)} s; ${normalizer} normaliser → ${out} ${JSON.stringify(data.normalization)}`);
}
