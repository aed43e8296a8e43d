/**
 * The render Worker forwards the model download's byte progress: worker-host on one end of a real MessageChannel,
 * RenderWorkerClient (with `onLoadProgress`, a function that must stay on the page side: a MessagePort cannot
 * clone it) on the other, a tiny model with real weights in 4 shards served over HTTP. The ready info tells the
 * page the model's format, latent size and whether it is untrained, so it need not fetch model.json itself.
 * Files the user chose travel to the Worker as Blobs and load there.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { MessageChannel } from 'node:worker_threads';
import type { Server } from 'node:http';
import * as tf from '@tensorflow/tfjs-core';
import { TINY_CONFIG } from '../../src/shared/model-config.ts';
import { initGeneratorParams } from '../../src/engine/generator.ts';
import { useNodeBackend } from '../../src/node/backends.ts';
import { saveModelDir } from '../../src/node/model-io.ts';
import { startStaticServer } from '../../scripts/static-server.ts';
import { attachRenderWorker } from '../../src/engine/worker-host.ts';
import { RenderWorkerClient } from '../../src/engine/worker-client.ts';
import type { RenderPort } from '../../src/engine/worker-protocol.ts';

const dir = resolve(import.meta.dirname, '../../.test-out/renderer-worker-progress');
const TINY_BYTES = 86_290 * 4;
let server: Server;
let url: string;

before(async () => {
  await useNodeBackend('wasm');
  rmSync(dir, { recursive: true, force: true });
  const params = initGeneratorParams(TINY_CONFIG, 12);
  await saveModelDir(join(dir, 'tiny'), { config: TINY_CONFIG, params, meta: { name: 'tiny weights' } }, { shardBytes: 100_000 });
  tf.dispose(Object.values(params));
  ({ server, url } = await startStaticServer([{ prefix: '/models/', dir }]));
});

after(() => new Promise((ok) => server.close(ok)));

test('worker client: onLoadProgress gets (loadedBytes, totalBytes) from the Worker before ready', async () => {
  const channel = new MessageChannel();
  const tensorsBefore = tf.memory().numTensors;
  attachRenderWorker(channel.port1 as unknown as RenderPort);
  const calls: [number, number][] = [];
  let readyAt = -1;
  const client = new RenderWorkerClient(channel.port2 as unknown as RenderPort, {
    model: `${url}/models/tiny/`, sampleRateHz: 16000, backend: 'current', onLoadProgress: (loaded, total) => calls.push([loaded, total]),
  });
  try {
    const info = await client.initialize().then((i) => {
      readyAt = calls.length;
      return i;
    });
    assert.ok(calls.length >= 5, `${calls.length} progress messages (4 shards)`);
    assert.equal(readyAt, calls.length, 'all progress arrives before ready');
    assert.deepEqual(calls[0], [0, TINY_BYTES]);
    assert.deepEqual(calls.at(-1), [TINY_BYTES, TINY_BYTES]);
    assert.ok(calls.every(([l, t], i) => t === TINY_BYTES && (i === 0 || l >= calls[i - 1]![0])), 'monotonic, constant total');
    assert.equal(info.modelFormat, 'gansynth-web/1');
    assert.equal(info.latentSize, TINY_CONFIG.latentSize);
    assert.equal(info.untrained, false);
    assert.ok(tf.memory().numTensors > tensorsBefore, 'the Worker side holds the model');
  } finally {
    client.dispose();
    // dispose is a message: let the Worker side handle it (it frees the model it loaded), then close the ports.
    await new Promise((r) => setTimeout(r, 50));
    channel.port1.close();
    channel.port2.close();
  }
  assert.equal(tf.memory().numTensors, tensorsBefore, 'no leaks: the Worker disposed the model it loaded');
});

test('worker client: a model from chosen files (Blobs posted to the Worker) loads there, with progress', async () => {
  const channel = new MessageChannel();
  attachRenderWorker(channel.port1 as unknown as RenderPort);
  const files = new Map<string, Blob>();
  for (const name of readdirSync(join(dir, 'tiny'))) files.set(`tiny/${name}`, new Blob([readFileSync(join(dir, 'tiny', name))]));
  const calls: [number, number][] = [];
  const client = new RenderWorkerClient(channel.port2 as unknown as RenderPort, {
    model: 'local: tiny', modelFiles: files, sampleRateHz: 16000, backend: 'current', onLoadProgress: (l, t) => calls.push([l, t]),
  });
  try {
    const info = await client.initialize();
    assert.equal(info.modelFormat, 'gansynth-web/1');
    assert.deepEqual(calls.at(-1), [TINY_BYTES, TINY_BYTES]);
  } finally {
    client.dispose();
    await new Promise((r) => setTimeout(r, 50));
    channel.port1.close();
    channel.port2.close();
  }
});

test('worker client: onLoadProgress must be a function', () => {
  const channel = new MessageChannel();
  assert.throws(() => new RenderWorkerClient(channel.port2 as unknown as RenderPort, {
    model: `${url}/models/tiny/`, sampleRateHz: 16000, onLoadProgress: 5 as unknown as () => void,
  }), /onLoadProgress must be a function/);
  channel.port1.close();
  channel.port2.close();
});
