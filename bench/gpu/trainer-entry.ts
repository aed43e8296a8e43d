/**
 * Entry of the self-contained trainer bundle (bench/gpu/pack.ts → trainer.mjs): `gansynth-trainer` with its
 * commands imported statically (no source folder to scan) and tfjs-core's gradients registered from its own list.
 * The dataset command's worker is the separate dataset-worker.mjs beside it.
 *
 *   node trainer.mjs <command> [options]      (as gansynth-trainer)
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { createCli } from '../../src/node/cli/common/dispatch.ts';
import * as checkpoint from '../../trainer/src/commands/checkpoint.ts';
import * as dataset from '../../trainer/src/commands/dataset.ts';
import * as evaluate from '../../trainer/src/commands/eval.ts';
import * as exportCommand from '../../trainer/src/commands/export.ts';
import * as features from '../../trainer/src/commands/features.ts';
import * as report from '../../trainer/src/commands/report.ts';
import * as train from '../../trainer/src/commands/train.ts';

const { runCli } = createCli({
  program: 'gansynth-trainer',
  modules: { checkpoint, dataset, eval: evaluate, export: exportCommand, features, report, train },
});
process.exitCode = await runCli(process.argv.slice(2));
