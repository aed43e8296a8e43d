/**
 * NaN / ±Infinity in a model's weights fail the load, naming the variable (and the element), instead of a model
 * that renders silence: in loadModel for every storage form (float32, float16, affine uint8 whose scale overflows
 * float32), in `gansynth generate` (exit 1, no WAV written), and through the render Worker's protocol (what the
 * instrument's Worker runs), whose initialize() rejects with the same message. Nothing stays allocated.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join, resolve } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { TINY_CONFIG } from '../../src/shared/model-config.ts';
import { generatorParamSpecs, initGeneratorParams } from '../../src/engine/generator.ts';
import { type EncodeOptions, MODEL_JSON, WEIGHTS_MANIFEST_JSON, encodeModelDir, readParamValues } from '../../src/engine/model-format.ts';
import { loadModel } from '../../src/engine/weights.ts';
import { attachRenderWorker } from '../../src/engine/worker-host.ts';
import { RenderWorkerClient } from '../../src/engine/worker-client.ts';
import type { RenderPort } from '../../src/engine/worker-protocol.ts';
import { useNodeBackend } from '../../src/node/backends.ts';
import { runCli } from '../../src/node/cli/index.ts';
import { startStaticServer } from '../../scripts/static-server.ts';
import { MemoryServer } from './support/model-server.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const OUT = join(ROOT, '.test-out/weights-nonfinite');
const DIR = 'http://models.test/bad';
const SPECS = generatorParamSpecs(TINY_CONFIG);
/** A variable in the middle of the generator, and an element inside it. */
const VICTIM = SPECS[5]!;
const ELEMENT = 7;

/** A tiny model's files with `value` at element ELEMENT of VICTIM (stored as `quantize` says). */
async function corruptFiles(value: number, opts: EncodeOptions = {}): Promise<Map<string, Uint8Array | string>> {
  const params = initGeneratorParams(TINY_CONFIG, 5);
  const values = await readParamValues(params, SPECS);
  tf.dispose(Object.values(params));
  values[SPECS.indexOf(VICTIM)]![ELEMENT] = value;
  const enc = encodeModelDir(SPECS, values, { config: TINY_CONFIG, normalization: TINY_CONFIG.normalization, meta: { name: 'corrupt' } }, opts);
  const files = new Map<string, Uint8Array | string>(enc.shards);
  files.set(WEIGHTS_MANIFEST_JSON, JSON.stringify(enc.manifest));
  files.set(MODEL_JSON, JSON.stringify(enc.modelJson));
  return files;
}

function writeDir(dir: string, files: Map<string, Uint8Array | string>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of files) writeFileSync(join(dir, name), bytes);
}

before(async () => {
  rmSync(OUT, { recursive: true, force: true });
  await useNodeBackend('wasm');
});

test('loadModel refuses NaN and ±Infinity in float32 weights, naming the variable and the element; no tensor leaks', async () => {
  const before = tf.memory().numTensors;
  for (const [value, shown] of [[Number.NaN, 'NaN'], [Number.POSITIVE_INFINITY, 'Infinity'], [Number.NEGATIVE_INFINITY, '-Infinity']] as const) {
    const server = new MemoryServer();
    server.put(DIR, await corruptFiles(value));
    await assert.rejects(loadModel(DIR, { fetchFn: server.fetch }), (e: Error) => {
      assert.equal(
        e.message,
        `${DIR}/${WEIGHTS_MANIFEST_JSON}: variable "${VICTIM.name}" holds ${shown} at element ${ELEMENT} of ` +
        `${VICTIM.shape.reduce((a, b) => a * b, 1)}: the weights are corrupt (or training diverged); not loading them`,
      );
      return true;
    });
  }
  assert.equal(tf.memory().numTensors, before);
});

test('float16 NaN and an affine uint8 entry that decodes past float32 range are refused the same way', async () => {
  const half = new MemoryServer();
  half.put(DIR, await corruptFiles(Number.NaN, { quantize: 'float16' }));
  await assert.rejects(loadModel(DIR, { fetchFn: half.fetch }), new RegExp(`variable "${VICTIM.name}" holds NaN at element ${ELEMENT} of`));
  // uint8 with finite scale and min whose top step overflows float32: tfjs would decode Infinity.
  const files = await corruptFiles(0.5, { quantize: 'uint8' });
  const manifest = JSON.parse(files.get(WEIGHTS_MANIFEST_JSON) as string) as { weights: { name: string; quantization: { scale: number; min: number } }[] }[];
  const entry = manifest[0]!.weights.find((w) => w.name === VICTIM.name)!;
  entry.quantization.scale = 3e36;
  files.set(WEIGHTS_MANIFEST_JSON, JSON.stringify(manifest));
  const affine = new MemoryServer();
  affine.put(DIR, files);
  await assert.rejects(loadModel(DIR, { fetchFn: affine.fetch }), new RegExp(`variable "${VICTIM.name}" holds Infinity at element \\d+ of`));
});

test('gansynth generate with NaN weights: exit 1 naming the variable, no WAV written', async () => {
  const model = join(OUT, 'nan-model');
  writeDir(model, await corruptFiles(Number.NaN));
  const out = join(OUT, 'wavs');
  const err: string[] = [];
  const code = await runCli(['generate', '--model', model, '--out', out, '--backend', 'wasm'], { out: () => undefined, err: (l) => err.push(l) });
  assert.equal(code, 1, err.join('\n'));
  assert.match(err[0]!, new RegExp(`^gansynth generate: .*weights_manifest\\.json: variable "${VICTIM.name}" holds NaN at element ${ELEMENT}`));
  assert.ok(!existsSync(out) || readdirSync(out).length === 0, 'no WAV written');
});

let server: Server | undefined;
after(() => server?.close());

test("the render Worker's initialize() rejects with the loader's message (what the instrument's status line shows)", async () => {
  const dir = join(OUT, 'served');
  writeDir(dir, await corruptFiles(Number.POSITIVE_INFINITY));
  let url: string;
  ({ server, url } = await startStaticServer([{ prefix: '/model/', dir }]));
  const channel = new MessageChannel();
  const detach = attachRenderWorker(channel.port1 as unknown as RenderPort);
  const client = new RenderWorkerClient(channel.port2 as unknown as RenderPort, { model: `${url}/model/`, sampleRateHz: 16000, backend: 'current', cache: false });
  try {
    await assert.rejects(client.initialize(), (e: Error) => {
      assert.match(e.message, new RegExp(`^render worker: ${url}/model/weights_manifest\\.json: variable "${VICTIM.name}" holds Infinity at element ${ELEMENT}`));
      return true;
    });
  } finally {
    client.dispose();
    detach();
    channel.port1.close();
    channel.port2.close();
  }
});
