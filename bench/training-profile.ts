/**
 * Where one training step's time goes: runs `trainer.trainStep()` under `tf.profile` and prints the kernels
 * grouped by name (and the input shapes of the heaviest), with their summed time, after one warm-up step.
 * Not a bench (no results file): a diagnostic for trainer/README.md's "Where a step's time goes".
 *
 *   npx tsx bench/training-profile.ts [--config paper] [--stage 0] [--batch 2] [--backend cpu] [--top 15] [--by-shape]
 *
 * `--by-shape` groups by kernel and input shapes (which layer). `--batch` overrides the stage's batch size (the
 * paper step on tfjs-cpu takes minutes at batch 8). Kernel times are tfjs's own (`kernelTimeMs`: wall time per kernel on cpu; GPU timer queries on webgpu when the adapter has them,
 * else wall time of the kernel call, which for an asynchronous backend is its encoding, not its execution).
 */
import * as tf from '@tensorflow/tfjs-core';
import { type CommandSpec, type ParsedCommand, runScript } from '../src/node/cli/common/args.ts';
import { TRAIN_BACKENDS, useTrainingBackend } from '../trainer/src/train/backend.ts';
import { TRAIN_CONFIGS, resolveTrainConfig } from '../trainer/src/train/configs.ts';
import { InMemoryTrainData } from '../trainer/src/train/data-source.ts';
import { stageAt, stageEndImages } from '../trainer/src/train/schedule.ts';
import { Trainer } from '../trainer/src/train/trainer-loop.ts';
import { syntheticFeatures } from '../support/training-features.ts';

/** One kernel name's share of a profiled step. */
export interface KernelGroup {
  name: string;
  calls: number;
  timeMs: number;
  /** Input shapes of the single slowest call. */
  slowestShapes: string;
  slowestMs: number;
}

/** Groups `tf.profile`'s kernels by name (and input shapes, with `byShape`), slowest group first. */
export function groupKernels(
  kernels: readonly { name: string; kernelTimeMs: number | { error: string }; inputShapes: number[][] }[], byShape = false,
): KernelGroup[] {
  const groups = new Map<string, KernelGroup>();
  for (const k of kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const shapes = k.inputShapes.map((s) => `[${s.join(',')}]`).join(' ');
    const key = byShape ? `${k.name} ${shapes}` : k.name;
    const g = groups.get(key) ?? { name: k.name, calls: 0, timeMs: 0, slowestShapes: '', slowestMs: -1 };
    g.calls += 1;
    g.timeMs += ms;
    if (ms > g.slowestMs) {
      g.slowestMs = ms;
      g.slowestShapes = shapes;
    }
    groups.set(key, g);
  }
  return [...groups.values()].sort((a, b) => b.timeMs - a.timeMs);
}

/** The script's options, parser and --help (src/node/cli/common/args.ts, as the CLIs'). */
export const spec = {
  program: 'npx tsx',
  command: 'bench/training-profile.ts',
  summary: "one training step under tf.profile: tfjs kernels by time",
  usage: ['[--config NAME] [--stage N] [--batch N] [--backend NAME] [--top N] [--by-shape]'],
  options: {
    config: { kind: 'choice', choices: Object.keys(TRAIN_CONFIGS), default: 'paper', help: 'training config' },
    stage: { kind: 'int', value: 'N', min: 0, max: 6, default: 0, help: 'progressive stage to profile' },
    batch: { kind: 'int', value: 'N', min: 1, defaultText: "the config's", help: 'batch size' },
    backend: { kind: 'choice', choices: TRAIN_BACKENDS, default: 'cpu', help: 'tfjs backend (the trainer\'s choices)' },
    top: { kind: 'int', value: 'N', min: 1, default: 15, help: 'kernels listed' },
    'by-shape': { kind: 'flag', help: 'one row per kernel and input shapes' },
  },
  examples: ['--config paper --stage 0 --batch 2', '--config small --backend webgpu --by-shape'],
} as const satisfies CommandSpec;

async function main({ values }: ParsedCommand<typeof spec.options>): Promise<void> {
  const backend = await useTrainingBackend(values.backend);
  const base = resolveTrainConfig(values.config);
  const stage = values.stage;
  const batch = values.batch ?? null;
  const cfg = batch ? resolveTrainConfig(values.config, { batchSizeSchedule: [batch] }) : base;
  const startImages = stage === 0 ? 0 : stageEndImages(cfg, stage - 1);
  const point = stageAt(cfg, startImages);
  const { features, pitches } = syntheticFeatures(cfg.model, point.batchSize, 1);
  const trainer = Trainer.create(cfg, 1, new InMemoryTrainData(cfg.model, features, pitches, 1));
  trainer.imageId = startImages;
  let t0 = performance.now();
  await trainer.trainStep();
  const warmSec = (performance.now() - t0) / 1000;
  trainer.imageId = startImages;
  t0 = performance.now();
  await trainer.trainStep();
  const stepSec = (performance.now() - t0) / 1000;
  trainer.imageId = startImages;
  t0 = performance.now();
  const info = await tf.profile(async () => {
    await trainer.trainStep();
  });
  const profiledSec = (performance.now() - t0) / 1000;
  trainer.dispose();
  const groups = groupKernels(info.kernels as never, values['by-shape']);
  const totalMs = groups.reduce((a, g) => a + g.timeMs, 0);
  console.log(`${cfg.name} stage ${point.stage} (${point.numBlocks} blocks, batch ${point.batchSize}) on ${backend}: warm-up step ${warmSec.toFixed(2)} s, `
    + `step ${stepSec.toFixed(2)} s, profiled step ${profiledSec.toFixed(2)} s, kernel time ${(totalMs / 1000).toFixed(2)} s in ${info.kernels.length} kernels`);
  console.log('kernel | calls | total s | share | slowest call s | its input shapes');
  for (const g of groups.slice(0, values.top)) {
    console.log(`${g.name} | ${g.calls} | ${(g.timeMs / 1000).toFixed(3)} | ${((100 * g.timeMs) / totalMs).toFixed(1)} % | ${(g.slowestMs / 1000).toFixed(3)} | ${g.slowestShapes}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = await runScript(spec, process.argv.slice(2), main);
