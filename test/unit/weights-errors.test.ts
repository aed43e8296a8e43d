/**
 * How loading fails, served from memory like a web server would: each failure names the URL, and the variable
 * where one is at fault. 404s, an HTML page where JSON or weights were expected (a single-page app's fallback
 * answering 200), a network error or CORS refusal (fetch's TypeError), a server error, a truncated shard, a
 * download cut off mid-body, and broken quantisation fields. Nothing is left allocated after a failure.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { TINY_CONFIG } from '../../src/shared/model-config.ts';
import { WEIGHTS_MANIFEST_JSON, parseManifest, parseModelJson } from '../../src/engine/model-format.ts';
import { loadModel } from '../../src/engine/weights.ts';
import { INDEX_HTML, MemoryServer, brokenBody, seededModelFiles } from './support/model-server.ts';

await tf.setBackend('cpu');
const DIR = 'http://models.test/m';
const SHARD1 = `${DIR}/group1-shard1of4.bin`;
const SHARD2 = `${DIR}/group1-shard2of4.bin`;
const FIRST_VAR = 'Generator/progressive_gan_generator/progressive_gan_block_1/conv0/conv2d/kernel';

/** A tiny model in 4 shards (100,000 bytes each but the last) on a fresh server. */
async function served(opts: { magentaLayout?: boolean; quantize?: 'uint8' } = {}): Promise<MemoryServer> {
  const { params, files } = await seededModelFiles(TINY_CONFIG, 3, { shardBytes: 100_000, ...opts });
  tf.dispose(Object.values(params));
  const server = new MemoryServer();
  server.put(DIR, files);
  return server;
}

function rejectsWith(p: Promise<unknown>, ...parts: (string | RegExp)[]): Promise<void> {
  return assert.rejects(p, (e: Error) => {
    for (const part of parts) {
      const ok = typeof part === 'string' ? e.message.includes(part) : part.test(e.message);
      assert.ok(ok, `message ${JSON.stringify(e.message)} lacks ${part}`);
    }
    return true;
  });
}

test('404: an empty directory names both files; a missing shard names its URL, its group and the manifest', async () => {
  const before = tf.memory().numTensors;
  const empty = new MemoryServer();
  await rejectsWith(loadModel(DIR, { fetchFn: empty.fetch }), `neither model.json nor weights_manifest.json found`, `${DIR}/model.json`, `${DIR}/weights_manifest.json`);
  const server = await served();
  server.files.delete(SHARD2);
  await rejectsWith(loadModel(DIR, { fetchFn: server.fetch }), `${SHARD2}: HTTP 404 Not Found`, 'shard 2 of 4', `"${FIRST_VAR}"`, `listed in ${DIR}/weights_manifest.json`);
  assert.equal(tf.memory().numTensors, before);
});

test('HTML instead of JSON: a SPA fallback page for model.json and the manifest says "got HTML, not JSON" for both', async () => {
  const server = new MemoryServer();
  server.spaFallback = true;
  await rejectsWith(loadModel(DIR, { fetchFn: server.fetch }),
    `${DIR}/model.json: got HTML, not JSON (HTTP 200, content-type text/html`, `${DIR}/weights_manifest.json: got HTML, not JSON`);
  // Our model directory whose manifest is missing: the server's page comes back for it.
  const ours = await served();
  ours.files.delete(`${DIR}/${WEIGHTS_MANIFEST_JSON}`);
  ours.spaFallback = true;
  await rejectsWith(loadModel(DIR, { fetchFn: ours.fetch }), `${DIR}/weights_manifest.json: got HTML, not JSON`);
  // Markup is recognised whatever the content-type says.
  ours.overrides.set(`${DIR}/${WEIGHTS_MANIFEST_JSON}`, () => new Response(INDEX_HTML, { status: 200, headers: { 'content-type': 'text/plain' } }));
  await rejectsWith(loadModel(DIR, { fetchFn: ours.fetch }), `${DIR}/weights_manifest.json: got HTML, not JSON (HTTP 200, content-type text/plain)`);
});

test('a Magenta checkpoint behind a SPA fallback (model.json answered with HTML) still loads', async () => {
  const before = tf.memory().numTensors;
  const server = await served({ magentaLayout: true });
  server.spaFallback = true;
  const model = await loadModel(DIR, { fetchFn: server.fetch, magentaConfig: TINY_CONFIG });
  assert.equal(model.format, 'magenta');
  model.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('HTML instead of a shard: "got HTML, not weights" with the shard URL', async () => {
  const before = tf.memory().numTensors;
  const server = await served();
  server.files.delete(SHARD1);
  server.spaFallback = true;
  await rejectsWith(loadModel(DIR, { fetchFn: server.fetch }), `${SHARD1}: got HTML, not weights`);
  server.overrides.set(SHARD1, () => new Response(INDEX_HTML, { status: 200, headers: { 'content-type': 'application/octet-stream' } }));
  await rejectsWith(loadModel(DIR, { fetchFn: server.fetch }), `${SHARD1}: got HTML, not weights`);
  assert.equal(tf.memory().numTensors, before);
});

test('network error or CORS refusal (fetch rejects with a TypeError) names the URL', async () => {
  const server = await served();
  server.online = false;
  await rejectsWith(loadModel(DIR, { fetchFn: server.fetch }), `${DIR}/model.json: fetch failed (network error or CORS refusal): fetch failed`);
  server.online = true;
  server.overrides.set(SHARD2, () => { throw new TypeError('Failed to fetch'); });
  await rejectsWith(loadModel(DIR, { fetchFn: server.fetch }), `${SHARD2}: fetch failed (network error or CORS refusal): Failed to fetch`);
});

test('server error, truncated shard, download cut off mid-body: each names the shard (and the first short variable)', async () => {
  const before = tf.memory().numTensors;
  const server = await served();
  server.overrides.set(SHARD2, () => new Response('oops', { status: 503, statusText: 'Service Unavailable' }));
  await rejectsWith(loadModel(DIR, { fetchFn: server.fetch }), `${SHARD2}: HTTP 503 Service Unavailable`);
  const full = server.files.get(SHARD2)!;
  server.overrides.set(SHARD2, () => new Response(full.slice(0, 5000), { status: 200 }));
  // Shard 1 (100,000 bytes) + 5,000: the cut falls in block 1's conv0 kernel (81,152 × 4 bytes).
  await rejectsWith(loadModel(DIR, { fetchFn: server.fetch }),
    'shards hold 250160 bytes but the manifest\'s 30 variables need 345160 bytes', `truncated from variable "${FIRST_VAR}" on`, `${SHARD2} (5000 bytes)`);
  server.overrides.set(SHARD2, () => new Response(brokenBody(full.slice(0, 7000)), { status: 200 }));
  await rejectsWith(loadModel(DIR, { fetchFn: server.fetch }), `${SHARD2}: download interrupted after 7000 bytes (terminated)`);
  assert.equal(tf.memory().numTensors, before);
});

test('broken quantisation fields name the manifest and the variable', async () => {
  const server = await served({ quantize: 'uint8' });
  const url = `${DIR}/${WEIGHTS_MANIFEST_JSON}`;
  const good = new TextDecoder().decode(server.files.get(url));
  const edit = (f: (w: { name: string; quantization: Record<string, unknown> }) => void) => {
    const m = JSON.parse(good);
    f(m[0].weights[2]);
    server.files.set(url, new TextEncoder().encode(JSON.stringify(m)));
    return m[0].weights[2].name as string;
  };
  let name = edit((w) => { delete w.quantization.scale; });
  await rejectsWith(loadModel(DIR, { fetchFn: server.fetch }), `${url}: variable "${name}": uint8 quantization needs a finite "scale", got undefined`);
  name = edit((w) => { w.quantization.dtype = 'int4'; });
  await rejectsWith(loadModel(DIR, { fetchFn: server.fetch }), `variable "${name}": quantization dtype "int4" is not one of float16, uint8, uint16`);
  name = edit((w) => { w.quantization.original_dtype = 'int32'; });
  await rejectsWith(loadModel(DIR, { fetchFn: server.fetch }), `variable "${name}": quantized entry must decode to float32, its dtype is int32`);
  edit((w) => { w.quantization = { dtype: 'float16' }; });
  // float16 takes 2 bytes where uint8 took 1: the group's length no longer adds up.
  await rejectsWith(loadModel(DIR, { fetchFn: server.fetch }), /shards hold 86290 bytes but the manifest's 30 variables need \d+ bytes/);
});

test('shard paths stay inside the model directory: absolute paths, URLs, ".." and backslashes are refused before any fetch', async () => {
  const hostile = ['/etc/passwd', '../secret.bin', 'sub/../../secret.bin', '%2e%2e/secret.bin', 'sub/%2E%2e/%2e./x.bin',
    'http://evil.test/x.bin', 'file:///etc/passwd', '//evil.test/x.bin', 'C:\\x.bin', 'sub\\..\\x.bin', ''];
  for (const path of hostile) {
    assert.throws(() => parseManifest(JSON.stringify([{ paths: ['ok.bin', path], weights: [] }]), 'm/weights_manifest.json'),
      new RegExp(`^Error: m/weights_manifest\\.json: group 0 path 1 ${JSON.stringify(path).replace(/[\\.*+?()[\]{}|^$/]/g, '\\$&')} leaves the model directory`), path);
  }
  assert.deepEqual(parseManifest(JSON.stringify([{ paths: ['group1-shard1of2.bin', 'sub/dir/x.bin', './y.bin', 'a..b.bin'], weights: [] }]))[0]!.paths,
    ['group1-shard1of2.bin', 'sub/dir/x.bin', './y.bin', 'a..b.bin']);
  // Through the loader: the manifest is refused and no shard is requested.
  const server = await served();
  const manifest = JSON.parse(new TextDecoder().decode(server.files.get(`${DIR}/${WEIGHTS_MANIFEST_JSON}`)!)) as { paths: string[] }[];
  manifest[0]!.paths[0] = '../../etc/passwd';
  server.put(DIR, new Map([[WEIGHTS_MANIFEST_JSON, JSON.stringify(manifest)]]));
  await rejectsWith(loadModel(DIR, { fetchFn: server.fetch }), `${DIR}/${WEIGHTS_MANIFEST_JSON}: group 0 path 0 "../../etc/passwd" leaves the model directory`);
  assert.ok(server.requests.every((u) => !u.endsWith('.bin') && !u.includes('passwd')), server.requests.join(', '));
  // model.json's weightsManifest likewise (a JSON parse error would quote the start of whatever file it named).
  for (const path of ['/etc/passwd', '../../etc/passwd', 'file:///etc/passwd']) {
    assert.throws(() => parseModelJson({ format: 'gansynth-web/1', config: 'tiny', weightsManifest: path }, 'm/model.json'),
      new RegExp(`^Error: m/model\\.json: weightsManifest ${JSON.stringify(path).replace(/[\\.*+?()[\]{}|^$/]/g, '\\$&')} leaves the model directory`));
  }
});
