/**
 * `gansynth-trainer train`: trains GANSynth on a dataset directory, checkpointing into RUN; rerunning the same
 * command resumes from the newest checkpoint; `--resume-from FILE` continues a compact checkpoint brought from
 * another machine, `--compact-out FILE` writes one at every checkpoint.
 */
import { join } from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import { type CommandSpec, parseOrHelp, requireOption } from 'gansynth-web/node/cli/common/args';
import { type CliIo, CliUsageError, processIo } from 'gansynth-web/node/cli/common/io';
import { pitchCount } from 'gansynth-web/shared/model-config';
import { SHORT_NOTES } from '../data/feature-cache.ts';
import { prepareTrainingData } from '../data/pipeline.ts';
import { TRAIN_BACKENDS, selectTrainingBackend } from '../train/backend.ts';
import { BatcherTrainData } from '../train/batcher-data.ts';
import { COMPACT_DTYPES, readCompactHeader } from '../train/compact-checkpoint.ts';
import { TRAIN_CONFIGS, resolveTrainConfig } from '../train/configs.ts';
import { withRunLock } from '../train/run-lock.ts';
import { runTraining } from '../train/run.ts';

/** The command's declaration: its parser and its --help (gansynth-web's common/args.ts). */
export const spec = {
  program: 'gansynth-trainer',
  command: 'train',
  summary: 'train a GANSynth model (progressive WGAN-GP + AC), resumable from checkpoints',
  usage: ['--config NAME --data DIR --out RUN [options]', '--resume-from FILE --data DIR --out RUN [options]'],
  options: {
    config: { kind: 'choice', choices: Object.keys(TRAIN_CONFIGS), help: "paper = Magenta mel_prog_hires, quick = Magenta's quick test; required\nunless --resume-from" },
    data: {
      kind: 'string', value: 'DIR',
      help: 'dataset: NSynth json+wav split dir, a dir with nsynth-<split>/, a .tfrecord, or NSynth\nas TFDS prepares it (its data dir, nsynth/<config> or nsynth/<config>/<version>); required',
    },
    split: { kind: 'string', value: 'NAME', defaultText: 'train', help: 'split to train on when DIR has several' },
    out: {
      kind: 'string', value: 'RUN',
      help: 'run directory (checkpoints/, metrics.jsonl, samples/, run.json); resumes if present;\none training per RUN (RUN/train.lock; a lock left by a killed run is taken over); required',
    },
    backend: { kind: 'choice', choices: TRAIN_BACKENDS, default: 'auto', help: 'tfjs backend; auto as README.md "Backends" says (training)' },
    steps: { kind: 'int', value: 'N', min: 0, defaultText: 'none', help: 'stop at N steps in total' },
    images: { kind: 'int', value: 'N', min: 0, defaultText: "the config's total", help: 'stop at N images in total' },
    minutes: { kind: 'number', value: 'M', min: 0.001, unit: 'min', defaultText: 'none', help: 'stop after M minutes of this invocation (checkpoint first; rerun to go on)' },
    'checkpoint-every': { kind: 'int', value: 'N', min: 1, default: 200, help: 'steps between checkpoints' },
    'checkpoint-minutes': { kind: 'number', value: 'M', min: 0.001, unit: 'min', help: 'also checkpoint when M minutes passed since the last one' },
    'resume-from': {
      kind: 'string', value: 'FILE',
      help: 'continue the compact checkpoint FILE (its config, seed, normalisation, schedule\nposition, RNG and data cursor; the data must be the same example list) in RUN',
    },
    'compact-out': { kind: 'string', value: 'FILE', help: 'at every checkpoint also replace FILE with a compact checkpoint (atomically)' },
    'compact-dtype': { kind: 'choice', choices: COMPACT_DTYPES, default: 'float16', help: 'its weights' },
    'compact-adam': { kind: 'flag', help: "keep Adam's moments in it (exact resume within a stage; +14 MiB for small)" },
    keep: { kind: 'int', value: 'N', min: 1, default: 3, help: 'checkpoints kept' },
    seed: { kind: 'int', value: 'S', min: 0, max: 0xffffffff, defaultText: '0', help: 'run seed: weights, latents, data order' },
    cache: { kind: 'string', value: 'DIR', defaultText: 'RUN/feature-cache', help: 'feature cache' },
    normalizer: { kind: 'choice', choices: ['prespecified', 'range'], defaultText: 'prespecified', help: "Magenta's constants, or from the training set" },
    'short-notes': {
      kind: 'choice', choices: SHORT_NOTES, default: 'skip',
      help: "a note shorter than the model's 4 s input (e.g. a truncated WAV) is skipped and\ncounted, or fails the run naming the file",
    },
    'no-progress': { kind: 'flag', help: 'no progress bar (the JSON-lines log is written regardless)' },
  },
  examples: [
    '--config small --data data/fluidr3 --out runs/small-1',
    '--config tiny --data data/fluidr3 --out runs/t --steps 100 --backend cpu',
    '--resume-from small-1.gsck --data data/fluidr3 --out runs/small-1b --minutes 60',
  ],
} as const satisfies CommandSpec;

/** One line for the CLI's usage list. */
export const summary = spec.summary;

/** Runs the command. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<void> {
  const parsed = parseOrHelp(spec, argv, io.out);
  if (!parsed) return;
  const { values, given } = parsed;
  if (!(values.config || values['resume-from'])) throw new CliUsageError('--config is required (or --resume-from FILE)');
  const dataset = requireOption('data', values.data, 'the dataset');
  const runDir = requireOption('out', values.out, 'the run directory');
  if (values.steps !== undefined && values.images !== undefined) throw new CliUsageError('give --steps or --images, not both');
  const resumeFrom = values['resume-from'];
  // A resumed run keeps its checkpoint's config, seed and normalisation (a different one would not continue it).
  const header = resumeFrom ? readCompactHeader(resumeFrom) : undefined;
  if (header && values.config && values.config !== header.run.config) throw new CliUsageError(`--config ${values.config}: ${resumeFrom} is a run of "${header.run.config}"`);
  if (header && given.has('normalizer')) throw new CliUsageError(`--normalizer: a resumed run keeps ${resumeFrom}'s normalisation`);
  if (header && given.has('seed')) throw new CliUsageError(`--seed: a resumed run keeps ${resumeFrom}'s seed (${header.meta.seed})`);
  const cfg = header ? header.meta.trainConfig : resolveTrainConfig(values.config!);
  const seed = header ? header.meta.seed : (values.seed ?? 0);
  const compactDtype = values['compact-dtype'];
  const checkpointMinutes = values['checkpoint-minutes'];
  const shortNotes = values['short-notes'];
  const targetImages = values.images ?? cfg.totalImages;
  const targetSteps = values.steps;
  const checkpointEverySteps = values['checkpoint-every'];
  const keep = values.keep;
  const minutes = values.minutes ?? Infinity;
  // RUN is this process's from here to the end (its feature cache, checkpoints and metrics log): a second `train`
  // on it fails here, before it touches anything.
  await withRunLock(runDir, async () => {
    const { backend, reason } = await selectTrainingBackend(values.backend);
    const normalizer = values.normalizer ?? 'prespecified';
    io.err(`backend ${backend} (${reason}); preparing features of ${dataset} ...`);
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
      io.err(`${r.reason === 'stopped' ? (stop ? 'stopped by signal' : `stopped after ${minutes} min`) : r.reason === 'done' ? 'training complete' : 'target reached'}: step ${r.step}, ${r.images} images; checkpoint ${r.checkpoint}`);
    } finally {
      bar?.stop();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  });
}
