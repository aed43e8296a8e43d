/**
 * `gansynth-trainer export RUN --out models/NAME`: the newest checkpoint's EMA generator weights as a model
 * directory the engine loads (model.json + tfjs weights manifest, via src/node/model-io.ts saveModelDir), with
 * the run's normalisation and provenance (config, data, steps, images, seed). `--magenta-layout` writes Magenta's
 * hosted-checkpoint layout instead; `--quantize` and `--shard-bytes` write the other forms tfjs's converter
 * produces (float16, uint8/uint16 affine, many shards), so tests can serve every form the loader must read.
 */
import * as tf from '@tensorflow/tfjs-core';
import { generatorParamSpecs } from 'gansynth-web/engine/generator';
import { saveModelDir } from 'gansynth-web/node/model-io';
import { SHARD_BYTES } from 'gansynth-web/engine/model-format';
import { type WeightQuantization, WEIGHT_QUANTIZATIONS } from 'gansynth-web/engine/weight-quantization';
import { useNodeBackend } from 'gansynth-web/node/backends';
import { type CommandSpec, parseCommand, parseOrHelp, requireOption } from 'gansynth-web/node/cli/common/args';
import { type CliIo, CliUsageError, processIo } from 'gansynth-web/node/cli/common/io';
import { latestCheckpoint, loadCheckpoint } from '../train/checkpoint.ts';
import { readRunInfo } from '../train/run-info.ts';
import { stageAt } from '../train/schedule.ts';

/** The command's declaration: its parser and its --help (gansynth-web's common/args.ts). */
export const spec = {
  program: 'gansynth-trainer',
  command: 'export',
  summary: "export a run's EMA generator as a model directory the engine loads",
  usage: ['RUN --out DIR [options]'],
  positionals: true,
  notes: 'RUN: a training run directory (gansynth-trainer train --out RUN).',
  options: {
    out: { kind: 'string', value: 'DIR', help: 'model directory to write (model.json, weights_manifest.json, *.bin); required' },
    checkpoint: { kind: 'string', value: 'DIR', defaultText: "RUN's newest", help: 'a specific checkpoint' },
    name: { kind: 'string', value: 'NAME', defaultText: "the run's config name", help: 'model name in model.json' },
    'magenta-layout': {
      kind: 'flag',
      help: "write Magenta's hosted-checkpoint layout instead (EMA-suffixed names, no model.json;\nit carries no config, normalisation or to_rgb slope: loaders assume Magenta's)",
    },
    quantize: { kind: 'choice', value: 'DTYPE', choices: WEIGHT_QUANTIZATIONS, defaultText: 'float32', help: `store weights as ${WEIGHT_QUANTIZATIONS.join(', ')} (tfjs converter's forms)` },
    'shard-bytes': { kind: 'int', value: 'N', min: 1, default: SHARD_BYTES, help: 'bytes per .bin shard (4 MiB; small values write many shards)' },
  },
  examples: ['runs/small-1 --out models/mine', 'runs/small-1 --out models/mine-q8 --quantize uint8'],
} as const satisfies CommandSpec;

/** One line for the CLI's usage list. */
export const summary = spec.summary;

/** Options of exportRun. */
export interface ExportOptions {
  /** A specific checkpoint directory (default: the run's newest). */
  checkpoint?: string;
  /** Model name in model.json (default: the run's config name). */
  name?: string;
  /** Magenta's hosted-checkpoint layout: weights_manifest.json with EMA-suffixed names, no model.json. */
  magentaLayout?: boolean;
  /** float16 or affine uint8/uint16 weights (default float32). */
  quantize?: WeightQuantization;
  /** Bytes per shard file (default 4 MiB). */
  shardBytes?: number;
}

/** `--quantize` and `--shard-bytes` as ExportOptions, checked by their declarations; a CliUsageError for a bad value. */
export function parseExportFormat(quantize: string | undefined, shardBytes: string | undefined): Pick<ExportOptions, 'quantize' | 'shardBytes'> {
  const argv = [...(quantize !== undefined ? [`--quantize=${quantize}`] : []), ...(shardBytes !== undefined ? [`--shard-bytes=${shardBytes}`] : [])];
  const { values, given } = parseCommand(spec, argv)!;
  return { ...(given.has('quantize') ? { quantize: values.quantize } : {}), ...(given.has('shard-bytes') ? { shardBytes: values['shard-bytes'] } : {}) };
}

/** Exports; returns the files written (relative names). Needs an initialised tfjs backend. */
export async function exportRun(runDir: string, outDir: string, opts: ExportOptions = {}): Promise<string[]> {
  const info = readRunInfo(runDir);
  const ckpt = opts.checkpoint ?? latestCheckpoint(runDir);
  if (!ckpt) throw new Error(`${runDir}: no checkpoint to export`);
  const { meta, tensors } = loadCheckpoint(ckpt);
  try {
    const ema = tensors.ema;
    if (!ema) throw new Error(`${ckpt}: no EMA weights`);
    const model = meta.trainConfig.model;
    const progress = stageAt(meta.trainConfig, meta.imageId).progress;
    if (progress < model.filters.length - 1) {
      // The engine renders the full-resolution path (block N's to_rgb); before the last stage that path is
      // still (partly) untrained, so the export works but sounds like its lower-resolution self at best.
      console.warn(`warning: ${ckpt} is at progress ${progress.toFixed(3)} of ${model.filters.length - 1}: the exported full-resolution generator has not been trained to the last stage yet`);
    }
    if (opts.magentaLayout && meta.trainConfig.toRgbHeSlope !== 1) {
      // The layout has no model.json to carry the slope, and loaders apply Magenta's (1) to it.
      console.warn(`warning: this run trained to_rgb with He slope ${meta.trainConfig.toRgbHeSlope}; loaders give the Magenta layout slope 1 (Magenta's Python graph): load it with {toRgbHeSlope: ${meta.trainConfig.toRgbHeSlope}} to render as trained`);
    }
    const params: Record<string, tf.Tensor> = {};
    for (const s of generatorParamSpecs(model)) {
      const t = ema[s.name];
      if (!t) throw new Error(`${ckpt}: EMA weight ${s.name} missing`);
      params[s.name] = t;
    }
    return await saveModelDir(outDir, {
      config: model,
      normalization: info.normalization,
      params,
      meta: {
        name: opts.name ?? meta.trainConfig.name,
        source: `gansynth-trainer run ${runDir}, checkpoint ${ckpt}`,
        toRgbHeSlope: meta.trainConfig.toRgbHeSlope,
        training: {
          config: meta.trainConfig.name,
          data: info.data,
          seed: meta.seed,
          steps: meta.step,
          images: meta.imageId,
          stage: meta.stage,
          progress,
          emaDecay: meta.trainConfig.emaDecay,
          exportedAt: new Date().toISOString(),
          ...meta.info,
        },
      },
    }, { magentaLayout: opts.magentaLayout, quantize: opts.quantize, shardBytes: opts.shardBytes });
  } finally {
    for (const group of Object.values(tensors)) tf.dispose(Object.values(group));
  }
}

/** Runs the command. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<void> {
  const parsed = parseOrHelp(spec, argv, io.out);
  if (!parsed) return;
  const { values, positionals, given } = parsed;
  if (positionals.length !== 1) throw new CliUsageError(`give exactly one RUN directory, got ${positionals.length ? positionals.join(' ') : 'none'}`);
  const out = requireOption('out', values.out, 'the model directory to write');
  await useNodeBackend('cpu');
  const files = await exportRun(positionals[0]!, out, {
    checkpoint: values.checkpoint, name: values.name, magentaLayout: values['magenta-layout'],
    ...(given.has('quantize') ? { quantize: values.quantize } : {}), ...(given.has('shard-bytes') ? { shardBytes: values['shard-bytes'] } : {}),
  });
  io.err(`wrote ${files.length} files to ${out}: ${files.join(', ')}`);
}
