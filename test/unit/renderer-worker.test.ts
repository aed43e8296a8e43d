/**
 * The render Worker's protocol end to end in Node: worker-host on one end of a real MessageChannel (structured
 * cloning, buffer transfer), RenderWorkerClient on the other, the model fetched over HTTP from a seeded `tiny`
 * model directory. The browser test runs the same code in a real Web Worker.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import type { Server } from 'node:http';
import { useNodeBackend } from '../../src/node/backends.ts';
import { startStaticServer } from '../../scripts/static-server.ts';
import { attachRenderWorker } from '../../src/engine/worker-host.ts';
import { RenderWorkerClient } from '../../src/engine/worker-client.ts';
import type { RenderPort } from '../../src/engine/worker-protocol.ts';
import { randomLatent } from '../../src/engine/latent.ts';
import { encodeWav } from '../../src/shared/wav.ts';

const dir = resolve(import.meta.dirname, '../../.test-out/renderer-worker/tiny');
let server: Server;
let url: string;
let channel: MessageChannel;

before(async () => {
  await useNodeBackend('wasm');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.json'), JSON.stringify({ format: 'gansynth-web/1', config: 'tiny', meta: { name: 'tiny test' }, weights: { init: 'seeded-untrained', seed: 3 } }));
  ({ server, url } = await startStaticServer([{ prefix: '/model/', dir }]));
  channel = new MessageChannel();
  attachRenderWorker(channel.port1 as unknown as RenderPort);
});

after(async () => {
  channel.port1.close();
  channel.port2.close();
  await new Promise((ok) => server.close(ok));
});

test('worker client: init, streamed transferred notes in priority order, supersede, errors', async () => {
  const client = new RenderWorkerClient(channel.port2 as unknown as RenderPort, { model: `${url}/model/`, sampleRateHz: 48000, backend: 'current', maxBatch: 2 });
  await assert.rejects(client.renderBank(randomLatent(1), [60]), /initialize\(\) first/);
  const info = await client.initialize();
  assert.equal(info.backend, 'wasm');
  assert.equal(info.maxBatch, 2);
  assert.equal(info.outputLength, 192000);
  assert.equal(info.modelName, 'tiny test', "the model's own name (meta.name), not its config's");

  const order: number[] = [];
  const bank = await client.renderBank(randomLatent(4), [40, 50, 60], { priority: [60], onNote: (p, s) => { order.push(p); assert.equal(s.length, 192000); } });
  assert.deepEqual(order, [60, 40, 50]);
  assert.deepEqual([...bank.keys()], [60, 40, 50]);
  for (const s of bank.values()) assert.ok(s.every(Number.isFinite) && s.some((v) => v !== 0));

  // A second render sent while the first is in flight supersedes it: the first rejects with AbortError.
  const first = client.renderBank(randomLatent(5), [30, 31, 32, 33, 34, 35]);
  const second = client.renderBank(randomLatent(6), [70]);
  await assert.rejects(first, { name: 'AbortError' });
  assert.deepEqual([...(await second).keys()], [70]);

  // Cancelling through a signal: the cancel message arrives while the Worker renders the next batch, so the
  // batch after that never starts.
  const c = new AbortController();
  let notes = 0;
  const third = client.renderBank(randomLatent(7), [30, 31, 32, 33, 34, 35], { signal: c.signal, onNote: () => { notes++; c.abort(); } });
  await assert.rejects(third, { name: 'AbortError' });
  assert.ok(notes < 6, `${notes} notes arrived after cancel`);
  await assert.rejects(client.renderBank(randomLatent(7), [99]), /render worker: pitch 99 outside/);
  client.dispose();
});

test('worker client: a bad model URL fails initialize with the loader message', async () => {
  const ch = new MessageChannel();
  attachRenderWorker(ch.port1 as unknown as RenderPort);
  const client = new RenderWorkerClient(ch.port2 as unknown as RenderPort, { model: `${url}/model/missing/`, sampleRateHz: 16000, backend: 'current' });
  await assert.rejects(client.initialize(), /render worker: .*(404|not found)/i);
  client.dispose();
  ch.port1.close();
  ch.port2.close();
});

test('worker client: sound → preset in the Worker (steps reported, the WAV named in errors, cancel)', async () => {
  const ch = new MessageChannel();
  attachRenderWorker(ch.port1 as unknown as RenderPort);
  const client = new RenderWorkerClient(ch.port2 as unknown as RenderPort, { model: `${url}/model/`, sampleRateHz: 16000, backend: 'current' });
  try {
    await assert.rejects(client.invert(new Uint8Array(4), 'x.wav'), /initialize\(\) first/);
    await client.initialize();
    const [note] = [...(await client.renderBank(randomLatent(9), [60])).values()];
    const wav = encodeWav([note!], 16000, 'float32');
    const steps: number[] = [];
    const result = await client.invert(wav, 'gansynth-p60-s9.wav', { steps: 2, starts: 1, onStep: (p) => steps.push(p.step) });
    assert.deepEqual(steps, [0, 1, 2]);
    assert.equal(result.pitch, 60);
    assert.equal(result.pitchSource, 'file name');
    assert.equal(result.latent.length, 256);
    assert.ok(wav.length > 0, 'the caller keeps its bytes (a copy is transferred)');
    await assert.rejects(client.invert(encodeWav([new Float32Array(16000)], 16000), 'hush.wav'), /render worker: hush\.wav: is silent/);
    const c = new AbortController();
    const cancelled = client.invert(wav, 'gansynth-p60-s9.wav', { steps: 50, starts: 1, signal: c.signal, onStep: () => c.abort() });
    await assert.rejects(cancelled, { name: 'AbortError' });
  } finally {
    client.dispose();
    ch.port1.close();
    ch.port2.close();
  }
});
