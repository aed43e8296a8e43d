/**
 * The model picker in real Chromium: Magenta's hosted acoustic_only URL is answered by a route serving
 * checkpoints our exporter wrote in Magenta's layout (paper generator, seeded weights) in each form tfjs's converter
 * writes; the picker loads each and the instrument's note equals our own loader's render. The route failing
 * (offline, 404, an HTML page, a truncated shard) falls back to the built-in model with the reason shown; a reload
 * with the network refused plays the copy kept in Cache Storage; `model="auto"`; local files; backend and Worker
 * changes after boot; the old bank keeps sounding while a new model loads.
 * The built-in model is a tiny one here (the real one is the paper generator: minutes per bank on this CPU).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { REPO_ROOT, browserSkipReason, openTestPage, type OpenedPage } from '../../support/browser-harness.ts';
import { bundleRuntime } from '../../support/instrument-fixtures.ts';
import {
  CHECKPOINT_FORMS, type CheckpointForm, type HostMode, filesOf, routeHostedCheckpoint, writeMagentaCheckpoints, writeTinyDir,
} from './model-fixtures.ts';
import { MAGENTA_GANSYNTH_BASE_URL, NAMED_MODELS } from '../../src/ui/model-catalog.ts';

const skip = browserSkipReason();
const HOSTED = `${MAGENTA_GANSYNTH_BASE_URL}/acoustic_only`;
const PITCH = 60;

type Loaded = { label: string; notice: string; modelName: string };
declare const gsTest: {
  el: HTMLElement & Record<string, any>;
  mount(o: object): Promise<number>;
  record(ms: number, win?: number): Promise<{ rms: number[] }>;
  stats(): Promise<{ activeVoices: number; crossfadedVoices: number }>;
};
declare const mpTest: { phases: Set<string>; watch(): void; nextModel(ms?: number): Promise<Loaded>; status(): string; note(p: number): number[]; reference(url: string, p: number): Promise<number[]> };

describe('model picker in Chromium', { skip }, () => {
  let opened: OpenedPage;
  let page: Page;
  let mode: HostMode = 'not-found';
  let hosted: { requests: string[] };
  const attrs = (builtin: string) => ({ backend: 'wasm', 'wasm-path': '/wasm/', low: String(PITCH), high: String(PITCH), 'builtin-model': builtin });

  /** A fresh page with one instrument playing `model`; resolves when its first bank is complete. */
  async function mount(model: string, builtin = '/builtin/'): Promise<Loaded> {
    await page.reload();
    await page.waitForFunction(() => 'mpTest' in window);
    const first = page.evaluate(async ({ model, attrs }) => {
      const loaded = new Promise<Loaded>((ok) => addEventListener('model-loaded', (e) => ok((e as CustomEvent).detail), { once: true }));
      await gsTest.mount({ model, workerUrl: '/static/render-worker.js', attrs });
      mpTest.watch();
      return loaded;
    }, { model, attrs: attrs(builtin) });
    return first;
  }

  /** Chooses `value` in the picker as a user does and waits for the model it leads to. */
  async function pick(value: string): Promise<Loaded> {
    const next = page.evaluate(() => mpTest.nextModel());
    await page.locator('gansynth-instrument gansynth-model-picker select').selectOption(value);
    return next;
  }

  const clearCache = () => page.evaluate(() => caches.keys().then((ks) => Promise.all(ks.map((k) => caches.delete(k)))));

  before(async () => {
    const [dirs, builtin, trained, staticDir] = await Promise.all([
      writeMagentaCheckpoints(), writeTinyDir('builtin-untrained', false), writeTinyDir('builtin-trained', true), bundleRuntime(),
    ]);
    opened = await openTestPage(join(REPO_ROOT, 'test/browser/pages/model-picker-page.ts'), {
      extraMounts: [
        { prefix: '/builtin/', dir: builtin },
        { prefix: '/builtin-trained/', dir: trained },
        { prefix: '/worklet/', dir: join(staticDir, 'worklet') },
        { prefix: '/static/', dir: staticDir },
      ],
    });
    page = opened.page;
    hosted = await routeHostedCheckpoint(page.context(), dirs, () => mode);
  });
  after(async () => {
    if (opened && process.env.DEBUG_PAGE) console.log(opened.consoleLines.join('\n'));
    await opened?.close();
  });

  test('each hosted form (float32 in 1 and many shards, float16, uint8) loads from the picker and plays our loader\'s note', async () => {
    const first = await mount('builtin');
    assert.equal(first.label, NAMED_MODELS.builtin);
    assert.match(await page.evaluate(() => mpTest.status()), /backend: wasm \(wasm: as asked; (no )?SIMD, \d threads?\)/, 'the status line says why the backend');
    for (const form of Object.keys(CHECKPOINT_FORMS) as CheckpointForm[]) {
      mode = form;
      await clearCache();
      const t0 = Date.now();
      const got = await pick('acoustic_only');
      assert.equal(got.label, NAMED_MODELS.acoustic_only, `${form}: ${got.notice}`);
      assert.equal(got.notice, '');
      assert.match(got.modelName, /Magenta GANSynth/);
      const [note, ref] = await Promise.all([page.evaluate((p) => mpTest.note(p), PITCH), page.evaluate(({ u, p }) => mpTest.reference(u, p), { u: HOSTED, p: PITCH })]);
      const peak = ref.reduce((m, r) => Math.max(m, Math.abs(r)), 0);
      const diff = ref.reduce((m, r, i) => Math.max(m, Math.abs(r - note[i]!)), 0);
      console.log(`# ${form}: loaded and rendered in ${Date.now() - t0} ms; peak ${peak.toFixed(3)}, max |instrument − our loader| ${diff.toExponential(2)}`);
      assert.equal(note.length, ref.length);
      assert.ok(peak > 1e-3, `${form}: the note is not silent`);
      assert.ok(diff <= 1e-4 * peak, `${form}: instrument note equals our loader's render (max diff ${diff}, peak ${peak})`);
      const phases = await page.evaluate(() => [...mpTest.phases]);
      assert.ok(phases.some((p) => /^loading Magenta GANSynth acoustic_only: \d+\.\d of \d+\.\d MB$/.test(p)), `download progress in the status line: ${phases.join(' | ')}`);
      await page.evaluate(() => mpTest.phases.clear());
      // Back to the built-in model, so the next form is a fresh load of the same URL.
      assert.equal((await pick('builtin')).label, NAMED_MODELS.builtin);
    }
  });

  test('a hosted model that fails falls back to the built-in model and the status says why', async () => {
    await mount('builtin');
    const cases: [HostMode, RegExp][] = [
      ['offline', /fetch failed|network|CORS/i],
      ['not-found', /HTTP 404/],
      ['html', /HTML/],
      ['truncated', /truncated|bytes/],
    ];
    for (const [i, [m, why]] of cases.entries()) {
      mode = m;
      await clearCache();
      if (i > 0) assert.equal((await pick('builtin')).label, NAMED_MODELS.builtin); // the value is acoustic_only after a fallback
      const got = await pick('acoustic_only');
      assert.equal(got.label, NAMED_MODELS.builtin, m);
      assert.match(got.notice, /acoustic_only could not be loaded/);
      assert.match(got.notice, why, `${m}: ${got.notice}`);
      assert.match(got.notice, new RegExp(HOSTED.replace(/[./]/g, '\\$&')), `${m}: the notice names the URL`);
      const status = await page.evaluate(() => mpTest.status());
      assert.ok(status.includes('acoustic_only could not be loaded'), status);
    }
  });

  test('after one successful load, a reload with the network refused plays the cached copy', async () => {
    await mount('builtin');
    mode = 'float32-many-shards';
    await clearCache();
    assert.equal((await pick('acoustic_only')).label, NAMED_MODELS.acoustic_only);
    const online = await page.evaluate((p) => mpTest.note(p), PITCH);
    mode = 'offline';
    const got = await mount('acoustic_only');
    assert.equal(got.label, NAMED_MODELS.acoustic_only, got.notice);
    assert.equal(got.notice, '');
    await page.waitForFunction(() => gsTest.el.engineState.bankDone === 1);
    const offline = await page.evaluate((p) => mpTest.note(p), PITCH);
    assert.deepEqual(offline.slice(0, 4096), online.slice(0, 4096), 'the cached checkpoint renders the same note');
  });

  test('model="auto": Magenta acoustic_only over an untrained built-in model, else the built-in one; a trained built-in model first', async () => {
    mode = 'float32-1-shard';
    await clearCache();
    assert.equal((await mount('auto')).label, NAMED_MODELS.acoustic_only);
    mode = 'not-found';
    await clearCache();
    const fallback = await mount('auto');
    assert.equal(fallback.label, NAMED_MODELS.builtin);
    assert.match(fallback.notice, /acoustic_only could not be loaded .*HTTP 404/);
    assert.match(await page.evaluate(() => mpTest.status()), /untrained model/);
    const before = hosted.requests.length;
    const trained = await mount('auto', '/builtin-trained/');
    assert.equal(trained.label, NAMED_MODELS.builtin);
    assert.equal(trained.modelName, 'builtin-trained');
    assert.equal(hosted.requests.length, before, 'a trained built-in model needs no download');
  });

  test('local files from the picker; backend and worker-url take effect after boot', async () => {
    await mount('builtin');
    const next = page.evaluate(() => mpTest.nextModel());
    await page.locator('gansynth-instrument gansynth-model-picker select').selectOption('open-files');
    await page.locator('gansynth-instrument gansynth-model-picker input[aria-label="model files"]').setInputFiles(await filesOf(join(REPO_ROOT, '.test-out/instrument/builtin-trained')));
    const local = await next;
    assert.equal(local.modelName, 'builtin-trained');
    assert.equal(local.notice, '');
    const backend = page.evaluate(() => mpTest.nextModel());
    await page.evaluate(() => (gsTest.el.backend = 'cpu'));
    await backend;
    assert.equal(await page.evaluate(() => gsTest.el.engineState.backend), 'cpu');
    const main = page.evaluate(() => mpTest.nextModel());
    await page.evaluate(() => {
      gsTest.el.workerUrl = '';
      gsTest.el.backend = 'wasm';
    });
    await main;
    assert.equal(await page.evaluate(() => gsTest.el.engineState.backend), 'wasm');
    assert.equal(await page.evaluate(() => gsTest.el.engineState.bankDone), 1);
  });

  test('a held note keeps sounding while another model loads, then crossfades to it', async () => {
    mode = 'float32-many-shards';
    await mount('builtin');
    const old = await page.evaluate((p) => mpTest.note(p), PITCH);
    await page.evaluate((p) => gsTest.el.noteOn(p, 100), PITCH);
    const next = page.evaluate(() => mpTest.nextModel());
    await page.locator('gansynth-instrument gansynth-model-picker select').selectOption('acoustic_only');
    const during = await page.evaluate(() => gsTest.record(1500, 2048));
    const loaded = await next;
    assert.equal(loaded.label, NAMED_MODELS.acoustic_only);
    await page.waitForTimeout(300); // the old voice's 80 ms crossfade ends
    const sorted = [...during.rms].sort((a, b) => a - b);
    const median = sorted[sorted.length >> 1]!;
    assert.ok(median > 1e-3, `the held note sounds while the new model loads (median RMS ${median})`);
    assert.ok(sorted[0]! > 0.2 * median, `no dropout while loading (min RMS ${sorted[0]}, median ${median})`);
    const stats = await page.evaluate(() => gsTest.stats());
    assert.equal(stats.activeVoices, 1);
    assert.ok(stats.crossfadedVoices >= 1, 'the held note crossfaded to the new model\'s buffer');
    const now = await page.evaluate((p) => mpTest.note(p), PITCH);
    assert.notDeepEqual(now.slice(0, 2048), old.slice(0, 2048));
    await page.evaluate((p) => gsTest.el.noteOff(p), PITCH);
  });
});
