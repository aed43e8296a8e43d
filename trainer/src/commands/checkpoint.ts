/**
 * `gansynth-trainer checkpoint`: compact checkpoints (train/compact-checkpoint.ts), the single files that carry a run
 * between machines. `pack` turns a run's checkpoint into one, `info` prints a file's header, `sizes` measures
 * what a compact checkpoint of each config weighs (written for real into a temporary folder).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initGeneratorParams } from 'gansynth-web/engine/generator';
import { useNodeBackend } from 'gansynth-web/node/backends';
import { type CommandSpec, formatHelp, parseOrHelp, requireOption } from 'gansynth-web/node/cli/common/args';
import { type CliIo, CliUsageError, processIo } from 'gansynth-web/node/cli/common/io';
import { initDiscriminatorParams } from '../model/discriminator.ts';
import { type CheckpointMeta, type CheckpointTensors, latestCheckpoint, loadCheckpoint } from '../train/checkpoint.ts';
import { COMPACT_DTYPES, readCompactHeader, writeCompactCheckpoint } from '../train/compact-checkpoint.ts';
import { TRAIN_CONFIGS, type TrainConfig, resolveTrainConfig } from '../train/configs.ts';
import { type RunInfo, readRunInfo } from '../train/run-info.ts';

/** The command's declaration: its parser and its --help (gansynth-web's common/args.ts). */
export const spec = {
  program: 'gansynth-trainer',
  command: 'checkpoint',
  summary: 'compact checkpoints: pack a run into one file that travels, show one, measure sizes',
  usage: ['pack RUN|CHECKPOINT_DIR --out FILE [--dtype float16|float32] [--adam]', 'info FILE', 'sizes [--config NAME,...]'],
  positionals: true,
  notes: `verbs:
  pack     RUN's newest checkpoint (or the checkpoint directory given) as one compact file: G, D and EMA weights
           in --dtype, schedule position, RNG and data cursor; --adam keeps Adam's moments
  info     the header of FILE as JSON (format, dtype, moments, step, images, stage, config, bytes)
  sizes    bytes of a compact checkpoint per config × dtype × moments (written to a temporary folder)`,
  options: {
    out: { kind: 'string', value: 'FILE', help: 'pack: the compact file to write; required' },
    dtype: { kind: 'choice', choices: COMPACT_DTYPES, default: 'float16', help: 'pack: weight precision' },
    adam: { kind: 'flag', help: "pack: keep Adam's moments (exact resume within a stage)" },
    config: { kind: 'string', value: 'NAME,...', defaultText: Object.keys(TRAIN_CONFIGS).join(','), help: 'sizes: the configs measured' },
  },
  examples: ['pack runs/small-1 --out small-1.gsck', 'info small-1.gsck', 'sizes --config tiny,small'],
} as const satisfies CommandSpec;

/** One line for the CLI's usage list. */
export const summary = spec.summary;

/** A compact file's header, summarised for people and scripts. */
export function describeCompact(path: string): Record<string, unknown> {
  const h = readCompactHeader(path);
  return {
    path, bytes: statSync(path).size, format: h.format, dtype: h.dtype, adamMoments: h.adamMoments, config: h.run.config, seed: h.meta.seed,
    step: h.meta.step, images: h.meta.imageId, stage: h.meta.stage, data: h.run.data, info: h.meta.info, writtenAt: h.writtenAt,
  };
}

/** The starting point of a run of `cfg` (untrained weights; zero moments when `adam`), for measuring sizes. */
function initialState(cfg: TrainConfig, adam: boolean): { meta: CheckpointMeta; tensors: CheckpointTensors; run: RunInfo } {
  const g = initGeneratorParams(cfg.model, 1, { allToRgb: true });
  const d = initDiscriminatorParams(cfg.model, 2);
  const zeros = (p: Record<string, tf.Tensor>) => Object.fromEntries(Object.entries(p).map(([k, t]) => [k, tf.zerosLike(t)]));
  const tensors: CheckpointTensors = { g, d, ema: g, ...(adam ? { adam_g_v: zeros(g), adam_d_v: zeros(d), adam_g_m: zeros(g), adam_d_m: zeros(d) } : {}) };
  const meta: CheckpointMeta = { step: 0, imageId: 0, stage: 0, seed: 0, rngState: 0, dataCursor: null, adamGSteps: 0, adamDSteps: 0, trainConfig: cfg, info: {} };
  const run: RunInfo = { format: 'gansynth-trainer-run/1', config: cfg.name, seed: 0, data: '(none)', normalization: cfg.model.normalization, createdAt: new Date().toISOString(), trainConfig: cfg };
  return { meta, tensors, run };
}

async function sizes(configs: string[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gansynth-compact-sizes-'));
  const mib = (b: number) => (b / 2 ** 20).toFixed(1);
  console.log('| config | dtype | Adam moments | bytes | MiB |\n| --- | --- | --- | --- | --- |');
  try {
    for (const name of configs) {
      const cfg = resolveTrainConfig(name);
      for (const adam of [false, true]) {
        const { meta, tensors, run } = initialState(cfg, adam);
        for (const dtype of COMPACT_DTYPES) {
          const bytes = await writeCompactCheckpoint(join(dir, `${name}.gsck`), meta, tensors, run, { dtype, adamMoments: adam });
          console.log(`| ${name} | ${dtype} | ${adam ? (cfg.adamBeta1 === 0 ? 'v (β1 = 0: m is not state)' : 'm, v') : 'none'} | ${bytes} | ${mib(bytes)} |`);
        }
        const seen = new Set<tf.Tensor>();
        for (const group of Object.values(tensors)) for (const t of Object.values(group)) if (!seen.has(t)) (seen.add(t), t.dispose());
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the command. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<void> {
  const parsed = parseOrHelp(spec, argv, io.out);
  if (!parsed) return;
  const { values, positionals } = parsed;
  const [verb, target, ...rest] = positionals;
  if (!verb) return void io.out(formatHelp(spec));
  if (rest.length) throw new CliUsageError(`${verb}: unexpected '${rest.join(' ')}'`);
  if (verb === 'info') {
    if (!target) throw new CliUsageError('info needs FILE');
    console.log(JSON.stringify(describeCompact(target), null, 2));
  } else if (verb === 'sizes') {
    await useNodeBackend('cpu');
    await sizes((values.config ?? Object.keys(TRAIN_CONFIGS).join(',')).split(',').map((s) => s.trim()));
  } else if (verb === 'pack') {
    if (!target) throw new CliUsageError('pack needs RUN (or a checkpoint directory)');
    const out = requireOption('out', values.out, 'the compact file to write');
    const dtype = values.dtype;
    await useNodeBackend('cpu');
    const isCheckpointDir = /ckpt-\d{9}\/?$/.test(target);
    const runDir = isCheckpointDir ? join(target, '..', '..') : target;
    const dir = isCheckpointDir ? target : latestCheckpoint(target);
    if (!dir) throw new Error(`${target}: no checkpoint to pack`);
    const { meta, tensors } = loadCheckpoint(dir);
    try {
      const bytes = await writeCompactCheckpoint(out, meta, tensors, readRunInfo(runDir), { dtype, adamMoments: values.adam });
      io.err(`wrote ${out}: ${bytes} bytes (${(bytes / 2 ** 20).toFixed(1)} MiB), step ${meta.step}, ${meta.imageId} images, stage ${meta.stage}, ${dtype}${values.adam ? ' + Adam moments' : ''}`);
    } finally {
      for (const group of Object.values(tensors)) tf.dispose(Object.values(group));
    }
  } else throw new CliUsageError(`unknown verb '${verb}' (pack, info, sizes)`);
}
