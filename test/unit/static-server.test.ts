/**
 * The demo's static server (scripts/static-server.ts, scripts/serve.ts) against careless and hostile requests:
 * a malformed percent-encoding must not kill it, methods other than GET/HEAD get 405, and a port already in use or
 * a bad PORT end `npm start` with one line, not a stack. serve.ts runs as a real subprocess on PORT=0.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import { startStaticServer } from '../../scripts/static-server.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const SERVE = join(ROOT, 'scripts/serve.ts');
const DIR = join(ROOT, '.test-out/static-server');

/** A raw HTTP request (no URL normalisation: `/%` goes out as it is). */
function raw(url: string, path: string, method = 'GET'): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((ok, fail) => {
    const req = request({ hostname, port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', fail);
    req.setTimeout(5000, () => req.destroy(new Error(`${method} ${path}: no answer in 5 s`)));
    req.end();
  });
}

let server: Server;
let url: string;

before(async () => {
  mkdirSync(DIR, { recursive: true });
  writeFileSync(join(DIR, 'index.html'), '<!doctype html><p>hi</p>');
  ({ server, url } = await startStaticServer([{ prefix: '/', dir: DIR }]));
});

after(() => {
  server.closeAllConnections();
  return new Promise<void>((ok) => server.close(() => ok()));
});

test('a malformed percent-encoding is a 400 and the server keeps serving', async () => {
  for (const path of ['/%', '/%E0%A4%A', '/a%zz', '/%c0%af']) {
    const r = await raw(url, path);
    assert.equal(r.status, 400, `${path}: ${r.body}`);
    assert.match(r.body, /malformed/);
  }
  assert.equal((await raw(url, '/')).status, 200);
});

test('only GET and HEAD: others get 405 with Allow; HEAD has no body', async () => {
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
    const r = await raw(url, '/', method);
    assert.equal(r.status, 405, method);
    assert.equal(r.headers.allow, 'GET, HEAD');
  }
  const head = await raw(url, '/', 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.body, '');
  assert.equal(Number(head.headers['content-length']), '<!doctype html><p>hi</p>'.length);
});

/** Starts `npm start`'s server script; resolves with its URL once it prints it. */
function startServe(env: Record<string, string>): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVE], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c));
  return new Promise((ok, fail) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c;
      const m = /(http:\/\/localhost:\d+)\//.exec(out);
      if (m) ok({ child, url: m[1]!, stderr: () => err });
    });
    child.on('exit', (code) => fail(new Error(`serve.ts exited ${code} before listening: ${err}`)));
  });
}

test('npm start survives GET /% (it used to die of a URIError)', async () => {
  const s = await startServe({ PORT: '0' });
  try {
    assert.equal((await raw(s.url, '/%')).status, 400);
    assert.equal((await raw(s.url, '/')).status, 200, `still serving; stderr: ${s.stderr()}`);
    assert.equal(s.child.exitCode, null);
  } finally {
    s.child.kill();
  }
});

test('npm start: a port in use and a bad PORT are one line each, exit 1, no stack', async () => {
  const busy = createServer();
  await new Promise<void>((ok) => busy.listen(0, '127.0.0.1', ok));
  const port = (busy.address() as { port: number }).port;
  try {
    const inUse = spawnSync(process.execPath, ['--import', 'tsx', SERVE], { cwd: ROOT, env: { ...process.env, PORT: String(port) }, encoding: 'utf8' });
    assert.equal(inUse.status, 1, inUse.stderr);
    assert.deepEqual(inUse.stderr.trim().split('\n'), [`npm start: port ${port} on 127.0.0.1 is already in use (EADDRINUSE): stop the other server or set PORT`]);
  } finally {
    busy.close();
  }
  for (const bad of ['abc', '70000', '-1', '1.5', '0x50']) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', SERVE], { cwd: ROOT, env: { ...process.env, PORT: bad }, encoding: 'utf8' });
    assert.equal(r.status, 1, `PORT=${bad}: ${r.stderr}`);
    assert.deepEqual(r.stderr.trim().split('\n'), [`npm start: PORT must be an integer 0..65535, got '${bad}'`], `PORT=${bad}`);
  }
});
