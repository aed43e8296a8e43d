/**
 * `gansynth-trainer export RUN --out models/NAME`: the newest checkpoint's EMA generator weights as a model
 * directory the engine loads (model.json + tfjs weights manifest, via src/node/model-io.ts saveModelDir), with
 * the run's normalisation and provenance (config, data, steps, images, seed).
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { generatorParamSpecs } from '../../../src/engine/generator.ts';
import { saveModelDir } from '../../../src/node/model-io.ts';
import { useNodeBackend } from '../../../src/node/backends.ts';
import { latestCheckpoint, loadCheckpoint } from '../train/checkpoint.ts';
import { readRunInfo } from '../train/run.ts';
import { stageAt } from '../train/schedule.ts';

/** One line for the CLI's usage list. */
export const summary = "export a run's EMA generator as a model directory the engine loads";

const HELP = `usage: gansynth-trainer export RUN --out DIR [options]

  --out DIR            model directory to write (model.json, weights_manifest.json, *.bin)
  --checkpoint DIR     a specific checkpoint (default: RUN's newest)
  --name NAME          model name in model.json (default: the run's config name)
  --magenta-layout     write Magenta's hosted-checkpoint layout instead (EMA-suffixed names, no model.json)
`;

/** Exports; returns the files written. Needs an initialised tfjs backend. */
export async function exportRun(runDir: string, outDir: string, opts: { checkpoint?: string; name?: string; magentaLayout?: boolean } = {}): Promise<string[]> {
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
    }, { magentaLayout: opts.magentaLayout });
  } finally {
    for (const group of Object.values(tensors)) tf.dispose(Object.values(group));
  }
}

/** Runs the command. */
export async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: { out: { type: 'string' }, checkpoint: { type: 'string' }, name: { type: 'string' }, 'magenta-layout': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  if (positionals.length !== 1 || !values.out) throw new Error(`export needs RUN and --out\n${HELP}`);
  await useNodeBackend('cpu');
  const files = await exportRun(positionals[0]!, values.out, { checkpoint: values.checkpoint, name: values.name, magentaLayout: values['magenta-layout'] });
  console.error(`wrote ${files.length} files to ${values.out}: ${files.join(', ')}`);
}
