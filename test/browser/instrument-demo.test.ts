/**
 * The demo page (demo/index.html + demo/main.ts) in Chromium with the tiny model: it loads, renders, plays
 * from the on-screen keyboard (real pointer events) and the computer keyboard, draws the last note, opens
 * the help overlay; screenshots go to .test-out/ for a person to look at.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { REPO_ROOT, TEST_OUT_DIR, browserSkipReason, openTestPage, type OpenedPage } from '../../support/browser-harness.ts';
import { bundleRuntime, writeTinyModel } from '../../support/instrument-fixtures.ts';

const skip = browserSkipReason();
type El = HTMLElement & { engineState: { bankDone: number; active: number[] }; stats(): Promise<{ activeVoices: number }> };

describe('demo page', { skip }, () => {
  let opened: OpenedPage;
  let page: Page;

  before(async () => {
    const [modelDir, staticDir, html] = await Promise.all([
      writeTinyModel(), bundleRuntime(), readFile(join(REPO_ROOT, 'demo/index.html'), 'utf8'),
    ]);
    opened = await openTestPage(join(REPO_ROOT, 'demo/main.ts'), {
      html: html.replace('src="main.js"', 'src="entry.js"'),
      extraMounts: [
        { prefix: '/tiny/', dir: modelDir },
        { prefix: '/worklet/', dir: join(staticDir, 'worklet') },
        { prefix: '/', dir: staticDir }, // render-worker.js next to the page's script, as in dist/demo
      ],
    });
    page = opened.page;
    await page.setViewportSize({ width: 1100, height: 820 });
    await page.goto(`${opened.url}/index.html?model=/tiny/&backend=wasm&low=48&high=72`);
  });
  after(async () => {
    if (opened && process.env.DEBUG_PAGE) console.log(opened.consoleLines.join('\n'));
    await opened?.close();
  });

  test('renders, plays from pointer and computer keyboard, shows the note, help overlay', async () => {
    await page.waitForFunction(() => (document.querySelector('gansynth-instrument') as El).engineState.bankDone >= 6, undefined, { timeout: 90_000 });
    // 60 is the middle of 48..72, so it renders first.
    const key = page.locator('gansynth-instrument gansynth-piano-keyboard [data-pitch="60"]');
    const box = (await key.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height * 0.8);
    await page.mouse.down();
    await page.waitForTimeout(150);
    assert.deepEqual(await page.evaluate(() => (document.querySelector('gansynth-instrument') as El).engineState.active), [60]);
    assert.equal(await page.evaluate(() => (document.querySelector('gansynth-instrument') as El).stats().then((s) => s.activeVoices)), 1);
    await page.mouse.up();
    const view = await page.evaluate(() => {
      const v = document.querySelector('gansynth-note-view') as HTMLElement & { caption: string; samples?: Float32Array };
      return { caption: v.caption, length: v.samples?.length ?? 0 };
    });
    assert.match(view.caption, /C4/);
    assert.ok(view.length > 100_000, `the note view holds the rendered note (${view.length} samples)`);
    // Computer keyboard: A = C4 by default.
    await page.keyboard.down('a');
    await page.waitForTimeout(150);
    assert.deepEqual(await page.evaluate(() => (document.querySelector('gansynth-instrument') as El).engineState.active), [60]);
    await page.keyboard.up('a');
    const status = await page.evaluate(() => document.querySelector('gansynth-instrument')!.shadowRoot!.querySelector('gansynth-status-line')!.shadowRoot!.textContent!.replace(/\s+/g, ' '));
    assert.match(status, /backend: wasm/);
    assert.match(status, /untrained model/);
    await page.screenshot({ path: join(TEST_OUT_DIR, 'demo.png') });
    await page.click('#help-button');
    assert.equal(await page.evaluate(() => (document.getElementById('help') as HTMLDialogElement).open), true);
    await page.screenshot({ path: join(TEST_OUT_DIR, 'demo-help.png') });
    await page.click('#help form button');
    const errors = opened.consoleLines.filter((l) => l.startsWith('[pageerror]') || (l.startsWith('[error]') && !l.includes('404')));
    assert.deepEqual(errors, []);
  });

  test('preset bar: random, rename, share link, export, delete, import; the link restores the bank', async () => {
    const names = () => page.evaluate(() => (document.querySelector('gansynth-instrument') as unknown as { presets: { name: string }[] }).presets.map((p) => p.name));
    const bar = 'gansynth-instrument gansynth-preset-bar';
    await page.click(`${bar} button:has-text("random")`);
    assert.equal((await names()).length, 5);
    await page.fill(`${bar} input[aria-label="preset name"]`, 'my sound');
    await page.press(`${bar} input[aria-label="preset name"]`, 'Enter');
    assert.deepEqual((await names()).slice(4), ['my sound']);
    const stored = await page.evaluate(() => JSON.parse(localStorage.getItem('gansynth-web:presets') ?? '{}').presets?.length);
    assert.equal(stored, 5, 'edits are kept in localStorage');
    // A full localStorage: the page says the presets were not saved (and how to keep them).
    await page.evaluate(() => {
      (window as unknown as { realSetItem: unknown }).realSetItem = Storage.prototype.setItem;
      Storage.prototype.setItem = () => {
        throw new DOMException('the quota has been exceeded', 'QuotaExceededError');
      };
    });
    await page.click(`${bar} button:has-text("random")`);
    assert.match(await page.locator('#storage-warning').innerText(), /could not be saved .*quota.*export/);
    await page.evaluate(() => (Storage.prototype.setItem = (window as unknown as { realSetItem: Storage['setItem'] }).realSetItem));
    await page.click(`${bar} button:has-text("delete")`);
    assert.equal(await page.locator('#storage-warning').isHidden(), true, 'the warning goes once saving works again');
    await page.click(`${bar} button:has-text("share")`);
    const link = await page.inputValue(`${bar} input[aria-label="share link"]`);
    assert.match(link, /#gs1:.*my%20sound/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(`${bar} button:has-text("export")`)]);
    const exported = join(TEST_OUT_DIR, 'instrument', 'exported-presets.json');
    await download.saveAs(exported);
    assert.equal(JSON.parse(await readFile(exported, 'utf8')).presets.length, 5);
    await page.click(`${bar} button:has-text("delete")`);
    assert.equal((await names()).length, 4);
    await page.setInputFiles(`${bar} input[type=file]`, exported);
    await page.waitForFunction(() => (document.querySelector('gansynth-instrument') as unknown as { presets: unknown[] }).presets.length === 9);
    // A fresh page opened with the link gets the shared bank (the fragment wins over localStorage).
    await page.goto(link.replace(/^https?:\/\/[^/]+/, opened.url));
    await page.reload(); // same URL but the fragment: goto alone is a same-document navigation
    await page.waitForFunction(() => customElements.get('gansynth-instrument') !== undefined);
    assert.deepEqual(await names(), ['seed 1', 'seed 2', 'seed 3', 'seed 4', 'my sound']);
  });

  test('MIDI bindings and pad corners are kept with the bank across a reload; a bank stored before them still loads', async () => {
    type Inst = { midiBindings: Record<string, number>; padCorners: number[]; presets: { name: string }[] };
    const inst = () => page.evaluate(() => {
      const el = document.querySelector('gansynth-instrument') as unknown as Inst;
      return { bindings: el.midiBindings, corners: el.padCorners, names: el.presets.map((p) => p.name) };
    });
    await page.goto(`${opened.url}/index.html?model=/tiny/&backend=wasm&low=60&high=61`);
    await page.waitForFunction(() => customElements.get('gansynth-instrument') !== undefined);
    await page.evaluate(() => ((document.querySelector('gansynth-instrument') as unknown as Inst).midiBindings = { morphX: 74, morphY: 2, presetNext: 20 }));
    await page.locator('gansynth-instrument gansynth-morph-xy-pad select[aria-label="top right preset"]').selectOption('1');
    const set = await inst();
    await page.reload();
    await page.waitForFunction(() => customElements.get('gansynth-instrument') !== undefined);
    assert.deepEqual(await inst(), set, 'the reloaded page plays the same bank, bindings and corners');
    assert.deepEqual(set.bindings, { morphX: 74, morphY: 2, presetNext: 20 });
    assert.deepEqual(set.corners.slice(3), [1]);
    // What this page stored before the bank file had a version: a bare array of presets.
    await page.evaluate(() => localStorage.setItem('gansynth-web:presets', JSON.stringify([{ name: 'old a', latent: { seed: 5 } }, { name: 'old b', latent: { seed: 6 } }])));
    await page.reload();
    await page.waitForFunction(() => customElements.get('gansynth-instrument') !== undefined);
    const old = await inst();
    assert.deepEqual(old.names, ['old a', 'old b']);
    assert.deepEqual(old.bindings, { morphX: 1, morphY: 2 }, 'the defaults: that bank had no bindings');
    assert.deepEqual(old.corners, [0, 1, 0, 1]);
  });
});
