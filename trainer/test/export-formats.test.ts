/**
 * `export --magenta-layout` in every form the loader must read: float32, float16, uint8 and uint16, one shard and
 * many, from a seeded tiny run (a checkpoint written directly, no training), through exportRun and the CLI; each
 * loaded with the engine's loadModel (`magentaConfig`: the layout carries no config) and compared with the
 * checkpoint's EMA weights within the form's error bound. Bad option values are usage errors.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { MAGENTA_NORMALIZATION, TINY_CONFIG } from 'gansynth-web/shared/model-config';
import { EMA_SUFFIX, generatorParamSpecs, initGeneratorParams } from 'gansynth-web/engine/generator';
import type { ManifestGroup } from 'gansynth-web/engine/model-format';
import { type WeightQuantization, affineErrorBound, float16ErrorBound } from 'gansynth-web/engine/weight-quantization';
import { loadModelFromDisk } from 'gansynth-web/node/model-io';
import { exportRun, main, parseExportFormat } from '../src/commands/export.ts';
import { saveCheckpoint } from '../src/train/checkpoint.ts';
import { resolveTrainConfig } from '../src/train/configs.ts';
import { cpuTraining } from './train-fixtures.ts';

const root = mkdtempSync(join(tmpdir(), 'gansynth-export-formats-'));
const runDir = join(root, 'run');
const cfg = resolveTrainConfig('tiny');
let ema: Record<string, tf.Tensor> = {};

before(async () => {
  await cpuTraining();
  ema = initGeneratorParams(TINY_CONFIG, 21);
  mkdirSync(runDir, { recursive: true });
  writeFileSync(join(runDir, 'run.json'), JSON.stringify({
    format: 'gansynth-trainer-run/1', config: cfg.name, seed: 21, data: 'none (seeded weights)', normalization: MAGENTA_NORMALIZATION,
    createdAt: new Date(0).toISOString(), trainConfig: cfg,
  }));
  await saveCheckpoint(runDir, {
    step: 1, imageId: cfg.totalImages, stage: 12, seed: 21, rngState: 0, dataCursor: null, adamGSteps: 0, adamDSteps: 0, trainConfig: cfg, info: {},
  }, { ema }, 1);
});

after(() => {
  tf.dispose(Object.values(ema));
  rmSync(root, { recursive: true, force: true });
});

/** Loads `dir` as a Magenta checkpoint of the tiny config and checks every value against the EMA weights. */
async function assertRoundTrip(dir: string, quantize: WeightQuantization | undefined, label: string): Promise<void> {
  const before = tf.memory().numTensors;
  const manifest = JSON.parse(readFileSync(join(dir, 'weights_manifest.json'), 'utf8')) as ManifestGroup[];
  const entries = new Map(manifest.flatMap((g) => g.weights).map((w) => [w.name, w]));
  const model = await loadModelFromDisk(dir, { magentaConfig: TINY_CONFIG });
  assert.equal(model.format, 'magenta', label);
  let worst = 0;
  for (const s of generatorParamSpecs(TINY_CONFIG)) {
    const entry = entries.get(s.name + EMA_SUFFIX)!;
    assert.equal(entry.quantization?.dtype, quantize, `${label}: ${s.name} stored as ${quantize ?? 'float32'}`);
    const got = model.params[s.name]!;
    assert.equal(got.dtype, 'float32');
    const a = await got.data();
    const b = await ema[s.name]!.data();
    for (let i = 0; i < b.length; i++) {
      const err = Math.abs(a[i]! - b[i]!);
      const bound: number = !entry.quantization ? 0
        : entry.quantization.dtype === 'float16' ? float16ErrorBound(b[i]!)
          : affineErrorBound(entry.quantization) * (1 + 1e-6) + Math.abs(b[i]!) * 2 ** -23;
      if (err > bound) assert.fail(`${label}: ${s.name}[${i}] = ${a[i]}, EMA ${b[i]}, error ${err} > ${bound}`);
      worst = Math.max(worst, err);
    }
  }
  assert.ok(quantize ? worst > 0 : worst === 0, `${label}: max error ${worst}`);
  model.dispose();
  assert.equal(tf.memory().numTensors, before, `${label}: no leaks`);
}

for (const quantize of [undefined, 'float16', 'uint8', 'uint16'] as const) {
  test(`exportRun --magenta-layout, ${quantize ?? 'float32'}: 1 shard and many, loaded within the error bound`, async () => {
    const one = join(root, `${quantize ?? 'float32'}-1`);
    const files = await exportRun(runDir, one, { magentaLayout: true, quantize });
    assert.deepEqual(files.sort(), ['group1-shard1of1.bin', 'weights_manifest.json']);
    await assertRoundTrip(one, quantize, `${quantize ?? 'float32'}, 1 shard`);
    const many = join(root, `${quantize ?? 'float32'}-many`);
    const bytesPerValue = quantize === 'uint8' ? 1 : quantize ? 2 : 4;
    await exportRun(runDir, many, { magentaLayout: true, quantize, shardBytes: 9_999 });
    const bins = readdirSync(many).filter((n) => n.endsWith('.bin'));
    assert.equal(bins.length, Math.ceil((86_290 * bytesPerValue) / 9_999));
    await assertRoundTrip(many, quantize, `${quantize ?? 'float32'}, ${bins.length} shards`);
  });
}

test('the CLI: --quantize and --shard-bytes; bad values are usage errors', async () => {
  const out = join(root, 'cli-uint8');
  await main([runDir, '--out', out, '--magenta-layout', '--quantize', 'uint8', '--shard-bytes', '20000']);
  assert.equal(readdirSync(out).filter((n) => n.endsWith('.bin')).length, 5);
  await assertRoundTrip(out, 'uint8', 'CLI uint8');
  assert.deepEqual(parseExportFormat('float16', '4096'), { quantize: 'float16', shardBytes: 4096 });
  assert.throws(() => parseExportFormat('int8', undefined), /--quantize must be one of float16\|uint8\|uint16, got 'int8'/);
  assert.throws(() => parseExportFormat(undefined, '0'), /--shard-bytes must be ≥ 1, got 0/);
  assert.throws(() => parseExportFormat(undefined, '4k'), /--shard-bytes must be an integer, got '4k'/);
});
