/**
 * cachedFetch + loadModel: a model that loaded once loads again offline; Magenta's hosted checkpoints are read
 * cache-first (no request at all the second time), other URLs network-first (a changed file is seen); only
 * validated files are stored (not a truncated shard, an HTML page, a 5xx, a half-read body). The store is an
 * in-memory ResponseCache (Cache Storage's part that cachedFetch uses; Node has no Cache Storage) and the network
 * an in-memory server (support/model-server.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { TINY_CONFIG } from '../../src/shared/model-config.ts';
import { MODEL_JSON, WEIGHTS_MANIFEST_JSON } from '../../src/engine/model-format.ts';
import { IMMUTABLE_MODEL_URL_PREFIXES, cachedFetch, defaultCacheStrategy, modelCacheAvailable } from '../../src/engine/model-cache.ts';
import { type LoadedModel, loadModel } from '../../src/engine/weights.ts';
import { MemoryResponseCache, MemoryServer, seededModelFiles } from './support/model-server.ts';

await tf.setBackend('cpu');
const DIR = 'http://models.test/ours';
const HOSTED = `${IMMUTABLE_MODEL_URL_PREFIXES[0]}gansynth/acoustic_only`;

async function serve(dir: string, opts: { magentaLayout?: boolean; shardBytes?: number } = {}): Promise<MemoryServer> {
  const { params, files } = await seededModelFiles(TINY_CONFIG, 4, { shardBytes: 150_000, ...opts });
  tf.dispose(Object.values(params));
  const server = new MemoryServer();
  server.put(dir, files);
  return server;
}

async function sameParams(a: LoadedModel, b: LoadedModel): Promise<void> {
  assert.deepEqual(Object.keys(a.params).sort(), Object.keys(b.params).sort());
  for (const k of Object.keys(a.params)) assert.deepEqual(await a.params[k]!.data(), await b.params[k]!.data(), k);
}

test('network-first: after one load the model loads offline from the cache, identical', async () => {
  const before = tf.memory().numTensors;
  const server = await serve(DIR);
  const cache = new MemoryResponseCache();
  const fetchFn = cachedFetch(server.fetch, { cache });
  const online = await loadModel(DIR, { fetchFn });
  assert.deepEqual([...cache.stored.keys()].sort(), [
    `${DIR}/group1-shard1of3.bin`, `${DIR}/group1-shard2of3.bin`, `${DIR}/group1-shard3of3.bin`, `${DIR}/${MODEL_JSON}`, `${DIR}/${WEIGHTS_MANIFEST_JSON}`,
  ]);
  server.online = false;
  const offline = await loadModel(DIR, { fetchFn });
  await sameParams(offline, online);
  assert.equal(offline.meta.name, 'seeded 4');
  // Online again, a changed model.json is seen (network first), not the cached one.
  server.online = true;
  const mj = JSON.parse(new TextDecoder().decode(server.files.get(`${DIR}/${MODEL_JSON}`)));
  server.put(DIR, new Map([[MODEL_JSON, JSON.stringify({ ...mj, meta: { name: 'retrained' } })]]));
  const fresh = await loadModel(DIR, { fetchFn });
  assert.equal(fresh.meta.name, 'retrained');
  // A server error falls back to the cached copy too.
  server.overrides.set(`${DIR}/${MODEL_JSON}`, () => new Response('down', { status: 503 }));
  const during503 = await loadModel(DIR, { fetchFn });
  assert.equal(during503.meta.name, 'retrained');
  for (const m of [online, offline, fresh, during503]) m.dispose();
  assert.equal(tf.memory().numTensors, before, 'no leaks');
});

test('Magenta hosted checkpoints: cache-first (no request on the second load), the absent model.json remembered', async () => {
  const before = tf.memory().numTensors;
  assert.equal(defaultCacheStrategy(`${HOSTED}/weights_manifest.json`), 'cache-first');
  assert.equal(defaultCacheStrategy(`${DIR}/model.json`), 'network-first');
  const server = await serve(HOSTED, { magentaLayout: true });
  const cache = new MemoryResponseCache();
  const fetchFn = cachedFetch(server.fetch, { cache });
  const first = await loadModel(HOSTED, { fetchFn, magentaConfig: TINY_CONFIG });
  assert.equal(first.format, 'magenta');
  assert.equal(first.meta.toRgbHeSlope, 1, "Magenta's Python to_rgb scale by default");
  assert.equal((await cache.match(`${HOSTED}/${MODEL_JSON}`))?.status, 404);
  const requests = server.requests.length;
  const second = await loadModel(HOSTED, { fetchFn, magentaConfig: TINY_CONFIG });
  assert.equal(server.requests.length, requests, 'nothing fetched from the network');
  await sameParams(second, first);
  // The same for a network-first URL offline: the remembered 404 says "Magenta layout".
  const other = await serve(DIR, { magentaLayout: true });
  const otherFetch = cachedFetch(other.fetch, { cache });
  (await loadModel(DIR, { fetchFn: otherFetch, magentaConfig: TINY_CONFIG })).dispose();
  other.online = false;
  const offline = await loadModel(DIR, { fetchFn: otherFetch, magentaConfig: TINY_CONFIG });
  assert.equal(offline.format, 'magenta');
  for (const m of [first, second, offline]) m.dispose();
  assert.equal(tf.memory().numTensors, before, 'no leaks');
});

test('only validated files are kept: not a truncated shard, an HTML page, a 5xx or a half-read body', async () => {
  const before = tf.memory().numTensors;
  const server = await serve(DIR);
  const cache = new MemoryResponseCache();
  const fetchFn = cachedFetch(server.fetch, { cache });
  const shard2 = `${DIR}/group1-shard2of3.bin`;
  const full = server.files.get(shard2)!;
  server.overrides.set(shard2, () => new Response(full.slice(0, 1000), { status: 200 }));
  await assert.rejects(loadModel(DIR, { fetchFn }), /shards hold \d+ bytes/);
  assert.ok(![...cache.stored.keys()].some((k) => k.endsWith('.bin')), 'no shard of the failed group is stored');
  server.online = false;
  // Offline, the first shard is missing too: a group's shards are kept only together, once they add up.
  await assert.rejects(loadModel(DIR, { fetchFn }), (e: Error) => e.message.startsWith(`${DIR}/group1-shard1of3.bin: fetch failed (network error or CORS refusal)`));
  server.online = true;
  server.overrides.clear();

  const spa = new MemoryServer();
  spa.spaFallback = true;
  const spaCache = new MemoryResponseCache();
  await assert.rejects(loadModel(DIR, { fetchFn: cachedFetch(spa.fetch, { cache: spaCache }) }), /got HTML, not JSON/);
  assert.equal(spaCache.stored.size, 0, 'an HTML page is never stored');

  const r = await cachedFetch(server.fetch, { cache })(`${DIR}/group1-shard1of3.bin`);
  const reader = r.body!.getReader();
  await reader.read();
  await reader.cancel();
  await assert.rejects(r.keep!(), /not read to its end/);
  const down = await cachedFetch(async () => new Response('x', { status: 500 }), { cache })(`${DIR}/x.bin`);
  assert.equal(down.keep, undefined, 'a 5xx offers no keep()');
  assert.equal(tf.memory().numTensors, before, 'no leaks');
});

test('pass-through: no cache (Node), a cache that cannot open, a non-http URL', async () => {
  assert.equal(modelCacheAvailable(), false, 'Node has no Cache Storage');
  const server = await serve(DIR);
  const plain = await cachedFetch(server.fetch)(`${DIR}/${MODEL_JSON}`);
  assert.equal(plain.keep, undefined);
  const refusing = cachedFetch(server.fetch, { cache: Promise.reject(new Error('SecurityError')) });
  const model = await loadModel(DIR, { fetchFn: refusing });
  model.dispose();
  const cache = new MemoryResponseCache();
  const files = cachedFetch(async () => new Response('{}', { status: 200 }), { cache });
  assert.equal((await files('model.json')).keep, undefined, 'a relative URL with no page to resolve it against');
  assert.equal((await files('blob:http://x/1')).keep, undefined);
});
