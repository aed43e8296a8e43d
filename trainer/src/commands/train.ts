/**
 * `gansynth-trainer train`: trains GANSynth on a dataset directory, checkpointing into RUN; rerunning the same
 * command resumes from the newest checkpoint; `--resume-from FILE` continues a compact checkpoint brought from
 * another machine, `--compact-out FILE` writes one at every checkpoint.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Presets, SingleBar } from 'cli-progress';
import { pitchCount } from 'gansynth-web/shared/model-config';
import { SHORT_NOTES, type ShortNotes } from '../data/feature-cache.ts';
import { prepareTrainingData } from '../data/pipeline.ts';
import { useTrainingBackend } from '../train/backend.ts';
import { BatcherTrainData } from '../train/batcher-data.ts';
import { COMPACT_DTYPES, type CompactDtype, readCompactHeader } from '../train/compact-checkpoint.ts';
import { TRAIN_CONFIGS, resolveTrainConfig } from '../train/configs.ts';
import { withRunLock } from '../train/run-lock.ts';
import { runTraining } from '../train/run.ts';

/** One line for the CLI's usage list. */
export const summary = 'train a GANSynth model (progressive WGAN-GP + AC), resumable from checkpoints';

const HELP = `usage: gansynth-trainer train --config NAME --data DIR --out RUN [options]
       gansynth-trainer train --resume-from FILE --data DIR --out RUN [options]

  --config ${Object.keys(TRAIN_CONFIGS).join('|')}   paper = Magenta mel_prog_hires, quick = Magenta's quick test
  --data DIR               dataset: NSynth json+wav split dir, a dir with nsynth-<split>/, a .tfrecord, or NSynth
                           as TFDS prepares it (its data dir, nsynth/<config> or nsynth/<config>/<version>)
  --split NAME             split to train on when DIR has several (default train)
  --out RUN                run directory (checkpoints/, metrics.jsonl, samples/, run.json); resumes if present;
                           one training per RUN (RUN/train.lock; a lock left by a killed run is taken over)
  --backend NAME           auto (default: tensorflow > webgpu > cpu), tensorflow, webgpu, cpu
  --steps N                stop at N steps in total (default: none)
  --images N               stop at N images in total (default: the config's total)
  --minutes M              stop after M minutes of this invocation (checkpoint first; rerun to go on)
  --checkpoint-every N     steps between checkpoints (default 200)
  --checkpoint-minutes M   also checkpoint when M minutes passed since the last one
  --resume-from FILE       continue the compact checkpoint FILE (its config, seed, normalisation, schedule
                           position, RNG and data cursor; the data must be the same example list) in RUN
  --compact-out FILE       at every checkpoint also replace FILE with a compact checkpoint (atomically)
  --compact-dtype D        its weights: float16 (default) or float32
  --compact-adam           keep Adam's moments in it (exact resume within a stage; +14 MiB for small)
  --keep N                 checkpoints kept (default 3)
  --seed S                 run seed: weights, latents, data order (default 0)
  --cache DIR              feature cache (default RUN/feature-cache)
  --normalizer NAME        prespecified (Magenta's constants, default) | range (from the training set)
  --short-notes skip|fail  a note shorter than the model's 4 s input (e.g. a truncated WAV) is skipped and
                           counted (default), or fails the run naming the file
  --no-progress            no progress bar (the JSON-lines log is written regardless)
`;

function int(name: string, text: string | undefined, fallback?: number): number | undefined {
  if (text === undefined) return fallback;
  const x = Number(text);
  if (!Number.isInteger(x) || x < 0) throw new Error(`--${name}: '${text}' is not a non-negative integer`);
  return x;
}

/** Runs the command. */
export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      config: { type: 'string' }, data: { type: 'string' }, out: { type: 'string' }, backend: { type: 'string' },
      steps: { type: 'string' }, images: { type: 'string' }, 'checkpoint-every': { type: 'string' }, keep: { type: 'string' },
      seed: { type: 'string' }, cache: { type: 'string' }, normalizer: { type: 'string' }, 'no-progress': { type: 'boolean' },
      minutes: { type: 'string' }, 'checkpoint-minutes': { type: 'string' }, 'resume-from': { type: 'string' },
      'compact-out': { type: 'string' }, 'compact-dtype': { type: 'string' }, 'compact-adam': { type: 'boolean' },
      'short-notes': { type: 'string' }, split: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  if (!(values.config || values['resume-from']) || !values.data || !values.out) throw new Error(`train needs --config (or --resume-from), --data and --out\n${HELP}`);
  if (values.steps !== undefined && values.images !== undefined) throw new Error('give --steps or --images, not both');
  const resumeFrom = values['resume-from'];
  // A resumed run keeps its checkpoint's config, seed and normalisation (a different one would not continue it).
  const header = resumeFrom ? readCompactHeader(resumeFrom) : undefined;
  if (header && values.config && values.config !== header.run.config) throw new Error(`--config ${values.config}: ${resumeFrom} is a run of "${header.run.config}"`);
  if (header && values.normalizer) throw new Error(`--normalizer: a resumed run keeps ${resumeFrom}'s normalisation`);
  if (header && values.seed !== undefined) throw new Error(`--seed: a resumed run keeps ${resumeFrom}'s seed (${header.meta.seed})`);
  const cfg = header ? header.meta.trainConfig : resolveTrainConfig(values.config!);
  const seed = header ? header.meta.seed : int('seed', values.seed, 0)!;
  const compactDtype = (values['compact-dtype'] ?? 'float16') as CompactDtype;
  if (!COMPACT_DTYPES.includes(compactDtype)) throw new Error(`--compact-dtype must be ${COMPACT_DTYPES.join(' or ')}, got '${values['compact-dtype']}'`);
  const checkpointMinutes = values['checkpoint-minutes'] === undefined ? undefined : Number(values['checkpoint-minutes']);
  if (checkpointMinutes !== undefined && !(checkpointMinutes > 0)) throw new Error(`--checkpoint-minutes: '${values['checkpoint-minutes']}' is not a positive number`);
  const shortNotes = (values['short-notes'] ?? 'skip') as ShortNotes;
  if (!SHORT_NOTES.includes(shortNotes)) throw new Error(`--short-notes must be ${SHORT_NOTES.join(' or ')}, got '${values['short-notes']}'`);
  const targetImages = int('images', values.images, cfg.totalImages)!;
  const targetSteps = int('steps', values.steps);
  const checkpointEverySteps = int('checkpoint-every', values['checkpoint-every'], 200)!;
  const keep = int('keep', values.keep, 3)!;
  const minutes = values.minutes === undefined ? Infinity : Number(values.minutes);
  if (!(minutes > 0)) throw new Error(`--minutes: '${values.minutes}' is not a positive number`);
  const runDir = values.out;
  const dataset = values.data;
  // RUN is this process's from here to the end (its feature cache, checkpoints and metrics log): a second `train`
  // on it fails here, before it touches anything.
  await withRunLock(runDir, async () => {
    const backend = await useTrainingBackend(values.backend ?? 'auto');
    const normalizer = (values.normalizer ?? 'prespecified') as 'prespecified' | 'range';
    console.error(`backend ${backend}; preparing features of ${dataset} ...`);
    const prepared = await prepareTrainingData({
      dataset,
      split: values.split,
      cacheDir: values.cache ?? join(runDir, 'feature-cache'),
      spec: cfg.model.spectral,
      normalizer: header ? 'prespecified' : normalizer,
      batchSize: 1,
      seed,
      pitchMin: cfg.model.pitchMin,
      pitchCount: pitchCount(cfg.model),
      shortNotes,
    });
    const normalization = header ? header.run.normalization : prepared.normalization;
    const data = new BatcherTrainData(cfg.model, prepared.cache, normalization, seed);
    const bar = values['no-progress'] ? null : new SingleBar({
      format: 'train {bar} {value}/{total} img | step {step} stage {stage} α {alpha} | G {g} D {d} | {ips} img/s',
    }, Presets.shades_classic);
    const deadlineMs = performance.now() + minutes * 60_000;
    let stop = false;
    const onSignal = () => {
      stop = true;
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    bar?.start(Math.min(targetImages, cfg.totalImages), 0, { step: 0, stage: 0, alpha: '0.00', g: '-', d: '-', ips: '-' });
    try {
      const r = await runTraining({
        runDir,
        cfg,
        seed,
        data,
        dataLabel: dataset,
        normalization,
        targetSteps,
        targetImages,
        checkpointEverySteps,
        ...(checkpointMinutes !== undefined ? { checkpointEverySec: checkpointMinutes * 60 } : {}),
        ...(resumeFrom ? { resumeFrom } : {}),
        ...(values['compact-out'] ? { compactOut: { path: values['compact-out'], dtype: compactDtype, adamMoments: values['compact-adam'] ?? false } } : {}),
        keep,
        info: { backend },
        shouldStop: () => stop || performance.now() > deadlineMs,
        onStep: (m) => bar?.update(m.images, {
          step: m.step, stage: m.stage, alpha: m.alpha.toFixed(2), g: m.g_loss.toFixed(3), d: m.d_loss.toFixed(3), ips: m.imagesPerSec.toFixed(2),
        }),
      });
      bar?.stop();
      console.error(`${r.reason === 'stopped' ? (stop ? 'stopped by signal' : `stopped after ${minutes} min`) : r.reason === 'done' ? 'training complete' : 'target reached'}: step ${r.step}, ${r.images} images; checkpoint ${r.checkpoint}`);
    } finally {
      bar?.stop();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  });
}
