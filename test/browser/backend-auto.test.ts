/**
 * Backend selection in real Chromium on this CPU-only machine, where WebGPU and WebGL both run on SwiftShader:
 * 'auto' passes over both before tfjs opens either and starts wasm with SIMD, and with threads when the page is
 * cross-origin isolated (on the page, in a module Worker, and in the built render Worker); without isolation wasm
 * runs one thread and says why; explicit webgpu/webgl still start on the software adapter and compute.
 * The pure rule is unit-tested in test/unit/adapter-classify.test.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { REPO_ROOT, TEST_OUT_DIR, browserSkipReason, openTestPage, type OpenedPage } from '../../support/browser-harness.ts';
import { writeTinyModel } from '../../support/instrument-fixtures.ts';
import type { ProbeResult } from './pages/backend-probe.ts';

const skip = browserSkipReason();
const OUT = join(TEST_OUT_DIR, 'backend-auto');
/** The conv every probe runs: 8·(14·14·9 + 4·14·6 + 4·4). */
const CONV_SUM = 16928;
const BUILT_WORKER = join(REPO_ROOT, 'dist/demo/render-worker.js');

describe('backend selection in Chromium', { skip }, () => {
  let opened: OpenedPage;
  const requests: string[] = [];

  before(async () => {
    await build({
      entryPoints: [join(REPO_ROOT, 'test/browser/pages/backend-auto-worker.ts')], outfile: join(OUT, 'worker.js'),
      bundle: true, format: 'esm', platform: 'browser', target: 'es2022', logLevel: 'error',
      external: ['fs', 'path', 'worker_threads', 'perf_hooks', 'os', 'crypto'], define: { 'process.env.NODE_ENV': '"production"' },
    });
    opened = await openTestPage(join(REPO_ROOT, 'test/browser/pages/backend-auto.ts'), {
      extraMounts: [
        { prefix: '/probe/', dir: OUT },
        { prefix: '/tiny/', dir: await writeTinyModel() },
        { prefix: '/built/', dir: join(REPO_ROOT, 'dist/demo') },
      ],
    });
    opened.browser.contexts()[0]!.on('request', (r) => requests.push(new URL(r.url()).pathname));
  });
  after(async () => {
    await opened?.close();
  });

  /**
   * A fresh page (tfjs starts a backend once per page), then `fn` in it. Fails after `limitMs` with the page's last
   * console lines, so a hang says where it stopped (a node:test timeout would only cancel the test).
   */
  async function fresh<T>(fn: () => Promise<T>, limitMs = 45_000): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, fail) => {
      timer = setTimeout(() => fail(new Error(`no result after ${limitMs / 1000} s`)), limitMs);
    });
    try {
      return await Promise.race([limit, (async () => {
        await opened.page.goto(`${opened.url}/index.html`);
        await opened.page.waitForFunction(() => typeof window.probeOnPage === 'function');
        requests.length = 0;
        return await fn();
      })()]);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${opened.consoleLines.slice(-20).join('\n')}`);
    } finally {
      clearTimeout(timer);
    }
  }

  function ok(r: ProbeResult | { error: string }): ProbeResult {
    if (!('selection' in r)) assert.fail(`selection failed: ${r.error}`);
    return r;
  }

  /** What a cross-origin isolated auto selection must show here: both SwiftShaders passed over, wasm threaded. */
  function assertAutoThreaded(r: ProbeResult, cores: number): void {
    const threads = Math.min(8, cores);
    assert.equal(r.selection.backend, 'wasm');
    assert.equal(r.selection.reason, `webgpu: software adapter (SwiftShader) passed over; webgl: software renderer (SwiftShader) passed over; wasm: SIMD, ${threads} thread${threads === 1 ? '' : 's'}`);
    assert.deepEqual(r.selection.wasm, { simd: true, threads, crossOriginIsolated: true });
    // Decided before tfjs opened a device: neither GPU backend was ever initialised.
    assert.deepEqual(r.initialised, ['wasm']);
    // The threads exist and XNNPACK ran on them (the calling thread is one of the count).
    assert.equal(r.runningPthreads, threads - 1);
    assert.equal(r.convSum, CONV_SUM);
    assert.ok(requests.includes('/wasm/tfjs-backend-wasm-threaded-simd.wasm'), `threaded SIMD binary fetched (${requests.filter((u) => u.endsWith('.wasm')).join(', ')})`);
  }

  test('auto on the page: SwiftShader WebGPU and WebGL passed over, wasm with SIMD and a thread per core', { timeout: 60_000 }, async () => {
    const cores = await opened.page.evaluate(() => navigator.hardwareConcurrency);
    const r = ok(await fresh(() => opened.page.evaluate(() => window.probeOnPage('auto'))));
    assert.equal(r.crossOriginIsolated, true);
    assertAutoThreaded(r, cores);
  });

  test('auto in a module Worker: the same, with the pthreads started from the Worker', { timeout: 60_000 }, async () => {
    const cores = await opened.page.evaluate(() => navigator.hardwareConcurrency);
    assertAutoThreaded(ok(await fresh(() => opened.page.evaluate(() => window.probeInWorker('/probe/worker.js', 'auto')))), cores);
  });

  test('auto with an adapter that describes itself as hardware: WebGPU is chosen, first in the order, and computes', { timeout: 60_000 }, async () => {
    const p = await fresh(() => opened.page.evaluate(() => window.probeWithPatchedAdapter('nvidia')));
    const r = ok(p.result);
    assert.equal(r.selection.backend, 'webgpu');
    assert.equal(p.current, 'webgpu');
    assert.deepEqual(r.initialised, ['webgpu'], 'nothing else started');
    assert.equal(r.convSum, CONV_SUM);
  });

  test('wasmThreads picks the count (1 and 2, past tfjs\'s hardwareConcurrency/2 cap)', { timeout: 60_000 }, async () => {
    for (const threads of [1, 2]) {
      const r = ok(await fresh(() => opened.page.evaluate((n) => window.probeInWorker('/probe/worker.js', 'wasm', n), threads)));
      assert.equal(r.selection.reason, `wasm: as asked; SIMD, ${threads} thread${threads === 1 ? '' : 's'}`);
      assert.equal(r.selection.wasm?.threads, threads);
      assert.equal(r.runningPthreads, threads - 1);
      assert.equal(r.convSum, CONV_SUM);
    }
  });

  test('without cross-origin isolation auto still picks wasm, one thread, and says why', { timeout: 60_000 }, async () => {
    // The same page without COOP/COEP, answered from disk (no second fetch through Playwright's own network stack).
    const html = await readFile(join(TEST_OUT_DIR, 'bundles', 'backend-auto', 'index.html'));
    await opened.page.route('**/index.html', (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }));
    try {
      const r = ok(await fresh(() => opened.page.evaluate(() => window.probeOnPage('auto'))));
      assert.equal(r.crossOriginIsolated, false);
      assert.equal(r.selection.backend, 'wasm');
      assert.match(r.selection.reason, /webgpu: software adapter \(SwiftShader\) passed over; webgl: software renderer \(SwiftShader\) passed over; wasm: SIMD, 1 thread \(not cross-origin isolated: no threads\)$/);
      assert.equal(r.convSum, CONV_SUM);
      assert.ok(requests.includes('/wasm/tfjs-backend-wasm-simd.wasm'), `SIMD binary fetched (${requests.filter((u) => u.endsWith('.wasm')).join(', ')})`);
    } finally {
      await opened.page.unrouteAll();
    }
  });

  for (const backend of ['webgpu', 'webgl'] as const) {
    test(`explicit ${backend} still starts on the software adapter, says so, and computes`, { timeout: 60_000 }, async () => {
      const r = ok(await fresh(() => opened.page.evaluate((b) => window.probeOnPage(b), backend)));
      assert.equal(r.selection.backend, backend);
      assert.equal(r.selection.reason, `${backend}: as asked (software ${backend === 'webgl' ? 'renderer' : 'adapter'}: SwiftShader)`);
      assert.equal(r.selection.softwareAdapter, 'SwiftShader');
      assert.deepEqual(r.initialised, [backend]);
      assert.equal(r.convSum, CONV_SUM);
    });
  }

  test('the built render Worker (dist/demo/render-worker.js) renders on threaded wasm under auto', {
    timeout: 120_000, skip: existsSync(BUILT_WORKER) ? false : 'dist/demo/render-worker.js missing: run npm run build',
  }, async () => {
    const r = await fresh(() => opened.page.evaluate(() => window.renderWithWorker('/built/render-worker.js', '/tiny/')), 100_000);
    assert.equal(r.backend, 'wasm');
    assert.ok(r.peak > 1e-4, `the note has signal (peak ${r.peak})`);
    assert.ok(requests.includes('/wasm/tfjs-backend-wasm-threaded-simd.wasm'), `threaded SIMD binary fetched (${requests.filter((u) => u.endsWith('.wasm')).join(', ')})`);
  });
});
