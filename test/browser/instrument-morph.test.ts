/**
 * The morph as an instrument, in real Chromium with a real AudioWorklet and a tiny seeded model rendered on
 * tfjs-wasm in the render Worker: the XY pad played with the mouse (pointer capture), touch (a second finger
 * ignored) and a pen (CDP input, so the page sees real pointer events of each type) and the arrow keys; the corner
 * selects; MIDI bytes (fake MIDIAccess) for CC1/CC2, program change and MIDI learn; and a 10 s sweep across the pad
 * with a note held: renders start at a bounded rate with the held pitch first, the render queue stays bounded, and
 * the last position's bank completes (bit-equal to a fresh render of that position).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CDPSession, Page } from 'playwright-core';
import { browserSkipReason, type OpenedPage } from '../../support/browser-harness.ts';
import { TEST_ATTRS as ATTRS, TEST_HIGH as HIGH, TEST_LOW as LOW, openInstrumentPage } from '../../support/instrument-fixtures.ts';

const skip = browserSkipReason();

type Gs = {
  el: HTMLElement & Record<string, any>;
  events: { type: string; t: number; detail: any }[];
  mount(o: object): Promise<number>;
};
declare const gsTest: Gs;
declare const fakeMidi: { send(id: string, bytes: number[]): void };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PAD = 'gansynth-instrument gansynth-morph-xy-pad .pad';

describe('the morph pad and MIDI control in Chromium', { skip }, () => {
  let opened: OpenedPage;
  let page: Page;
  let cdp: CDPSession;

  const midi = (bytes: number[]) => page.evaluate((b) => fakeMidi.send('fake-1', b), bytes);
  const xy = () => page.evaluate(() => gsTest.el.morphXY as { x: number; y: number; active: boolean });
  /** Waits until no bank renders (a morph's last render has completed). */
  const settle = () => page.waitForFunction(() => !gsTest.el.engineState.rendering && gsTest.el.engineState.rendersInFlight === 0, undefined, { timeout: 90_000 });
  /** Page coordinates of pad position (x, y), y up; outside [0, 1] lands off the pad. */
  async function padPoint(x: number, y: number): Promise<{ x: number; y: number }> {
    const b = (await page.locator(PAD).boundingBox())!;
    return { x: b.x + x * b.width, y: b.y + (1 - y) * b.height };
  }

  before(async () => {
    opened = await openInstrumentPage();
    page = opened.page;
    await page.setViewportSize({ width: 1100, height: 900 });
    await page.evaluate((attrs) => gsTest.mount({ model: '/tiny/', workerUrl: '/static/render-worker.js', attrs }), ATTRS);
    cdp = await page.context().newCDPSession(page);
    await cdp.send('Emulation.setTouchEmulationEnabled', { enabled: true, maxTouchPoints: 5 });
    // Which kinds of pointer reached the pad.
    await page.evaluate(() => {
      const pad = gsTest.el.shadowRoot!.querySelector('gansynth-morph-xy-pad')!.shadowRoot!.querySelector('.pad')!;
      (window as any).pointerTypes = [];
      pad.addEventListener('pointerdown', (e) => (window as any).pointerTypes.push((e as PointerEvent).pointerType));
    });
  });
  after(async () => {
    if (opened && process.env.DEBUG_PAGE) console.log(opened.consoleLines.join('\n'));
    await opened?.close();
  });

  test('mouse: drag with pointer capture (the drag follows off the pad, clamped), then the corner preset sounds', async () => {
    const start = await padPoint(0.5, 0.5);
    await page.mouse.move(start.x, start.y);
    await page.mouse.down();
    const mid = await padPoint(0.25, 0.75);
    await page.mouse.move(mid.x, mid.y, { steps: 4 });
    const p = await xy();
    assert.ok(Math.abs(p.x - 0.25) < 0.02 && Math.abs(p.y - 0.75) < 0.02 && p.active, `pad at (0.25, 0.75): ${JSON.stringify(p)}`);
    const off = await padPoint(1.6, 1.4); // beyond the top right corner, off the element
    await page.mouse.move(off.x, off.y, { steps: 4 });
    await page.mouse.up();
    assert.deepEqual(await xy(), { x: 1, y: 1, active: true });
    await settle();
    assert.equal(await page.evaluate(() => gsTest.el.selectedPreset), 3, 'top right corner: preset 3');
    assert.equal(await page.evaluate(() => gsTest.el.engineState.bankDone), HIGH - LOW + 1);
  });

  test('corner selects choose the corner presets (and announce the bank changed)', async () => {
    const n = await page.evaluate(() => gsTest.events.length);
    await page.evaluate(() => gsTest.el.addEventListener('presets-changed', (e: Event) => gsTest.events.push({ type: 'presets-changed', t: 0, detail: (e as CustomEvent).detail }), { once: true }));
    await page.locator('gansynth-instrument gansynth-morph-xy-pad select[aria-label="top right preset"]').selectOption('0');
    assert.deepEqual(await page.evaluate(() => gsTest.el.padCorners), [0, 1, 2, 0]);
    const changed = await page.evaluate((k) => gsTest.events.slice(k).find((e) => e.type === 'presets-changed')?.detail.presetBank.padCorners, n);
    assert.deepEqual(changed, [0, 1, 2, 0]);
    await settle();
    assert.equal(await page.evaluate(() => gsTest.el.selectedPreset), 0, 'the pad sits on the corner that now holds preset 0');
    await page.evaluate(() => (gsTest.el.padCorners = [0, 1, 2, 3]));
    await settle();
  });

  test('touch (a second finger is ignored) and pen move the pad', async () => {
    const a = await padPoint(0.2, 0.3);
    const b = await padPoint(0.8, 0.9);
    const c = await padPoint(0.6, 0.1);
    const touch = (type: string, points: { x: number; y: number; id: number }[]) => cdp.send('Input.dispatchTouchEvent', { type: type as 'touchStart', touchPoints: points });
    await touch('touchStart', [{ ...a, id: 1 }]);
    await touch('touchStart', [{ ...a, id: 1 }, { ...b, id: 2 }]);
    await touch('touchMove', [{ ...a, id: 1 }, { ...c, id: 2 }]);
    let p = await xy();
    assert.ok(Math.abs(p.x - 0.2) < 0.02 && Math.abs(p.y - 0.3) < 0.02, `the first finger holds the pad: ${JSON.stringify(p)}`);
    const d = await padPoint(0.7, 0.6);
    await touch('touchMove', [{ ...d, id: 1 }, { ...c, id: 2 }]);
    await touch('touchEnd', []);
    p = await xy();
    assert.ok(Math.abs(p.x - 0.7) < 0.02 && Math.abs(p.y - 0.6) < 0.02, `the first finger dragged it: ${JSON.stringify(p)}`);
    const mouse = (type: string, at: { x: number; y: number }) => cdp.send('Input.dispatchMouseEvent', {
      type: type as 'mousePressed', x: at.x, y: at.y, button: 'left', buttons: type === 'mouseReleased' ? 0 : 1, clickCount: 1, pointerType: 'pen',
    });
    const e = await padPoint(0.1, 0.9);
    await mouse('mousePressed', await padPoint(0.4, 0.4));
    await mouse('mouseMoved', e);
    await mouse('mouseReleased', e);
    p = await xy();
    assert.ok(Math.abs(p.x - 0.1) < 0.02 && Math.abs(p.y - 0.9) < 0.02, `the pen dragged it: ${JSON.stringify(p)}`);
    const types = await page.evaluate(() => (window as any).pointerTypes as string[]);
    assert.ok(types.includes('touch') && types.includes('pen') && types.includes('mouse'), `pointer types seen: ${types}`);
    await settle();
  });

  test('keyboard: arrows move the focused pad by 0.01, Shift by 0.1, clamped', async () => {
    await page.evaluate(() => (gsTest.el.morphToXY(0.5, 0.5)));
    await page.locator(PAD).focus();
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Shift+ArrowUp');
    await page.keyboard.press('ArrowDown');
    const p = await xy();
    assert.ok(Math.abs(p.x - 0.53) < 1e-9 && Math.abs(p.y - 0.59) < 1e-9, JSON.stringify(p));
    for (let i = 0; i < 8; i++) await page.keyboard.press('Shift+ArrowLeft');
    assert.equal((await xy()).x, 0);
    const label = await page.locator(PAD).getAttribute('aria-valuetext');
    assert.equal(label, 'x 0.00, y 0.59');
    await settle();
  });

  test('MIDI: CC1 → X, CC2 → Y, program change selects a preset (past the bank: ignored)', async () => {
    await midi([0xb0, 1, 127]);
    await midi([0xb0, 2, 0]);
    assert.deepEqual(await xy(), { x: 1, y: 0, active: true });
    await midi([0xb0, 2, 127]);
    assert.deepEqual(await xy(), { x: 1, y: 1, active: true });
    await midi([0xc0, 2]);
    assert.equal(await page.evaluate(() => gsTest.el.selectedPreset), 2);
    assert.equal((await xy()).active, false, 'the slider path (a preset) sounds now');
    await midi([0xc0, 9]);
    assert.equal(await page.evaluate(() => gsTest.el.selectedPreset), 2);
    await settle();
  });

  test('MIDI learn: arm a target in the bar, the next assignable controller binds (pedals cannot), buttons step presets', async () => {
    const button = (t: string) => page.locator(`gansynth-instrument gansynth-midi-learn-bar button[data-target=${t}]`);
    const bindings = () => page.evaluate(() => gsTest.el.midiBindings);
    assert.deepEqual(await bindings(), { morphX: 1, morphY: 2 });
    await button('presetNext').click();
    assert.match(await button('presetNext').innerText(), /move a control/);
    await midi([0xb0, 64, 127]); // the sustain pedal is not assignable: still waiting
    await midi([0xb0, 64, 0]);
    assert.match(await button('presetNext').innerText(), /move a control/);
    await midi([0xb0, 20, 127]);
    assert.match(await button('presetNext').innerText(), /next preset: CC20/);
    await midi([0xb0, 20, 0]);
    const from = await page.evaluate(() => gsTest.el.selectedPreset);
    await midi([0xb0, 20, 127]);
    assert.equal(await page.evaluate(() => gsTest.el.selectedPreset), (from + 1) % 4);
    await midi([0xb0, 20, 127]); // held: no second step
    assert.equal(await page.evaluate(() => gsTest.el.selectedPreset), (from + 1) % 4);
    await button('morphY').click();
    await midi([0xb0, 74, 64]);
    assert.deepEqual(await bindings(), { morphX: 1, morphY: 74, presetNext: 20 });
    await midi([0xb0, 74, 127]);
    assert.equal((await xy()).y, 1);
    await midi([0xb0, 2, 0]); // CC2 no longer moves Y
    assert.equal((await xy()).y, 1);
    const saved = await page.evaluate(() => gsTest.el.presetBank.midiBindings);
    assert.deepEqual(saved, { morphX: 1, morphY: 74, presetNext: 20 }, 'the bank (as saved) holds the bindings');
    await page.evaluate(() => (gsTest.el.midiBindings = { morphX: 1, morphY: 2 }));
    await settle();
  });

  test('a 10 s sweep across the pad with a note held: bounded render rate and queue, held pitch first, the last position completes', async () => {
    await page.evaluate(() => gsTest.el.morphToXY(0, 0));
    await settle();
    await midi([0x90, 60, 100]);
    const before = await page.evaluate(() => {
      const w = window as any;
      w.queueMax = 0;
      w.queueSampler = setInterval(() => (w.queueMax = Math.max(w.queueMax, gsTest.el.engineState.rendersInFlight)), 5);
      return { events: gsTest.events.length, started: gsTest.el.engineState.rendersStarted };
    });
    const t0 = Date.now();
    let last = { x: 0.5, y: 0.5 };
    const start = await padPoint(last.x, last.y);
    await page.mouse.move(start.x, start.y);
    await page.mouse.down();
    let moves = 0;
    while (Date.now() - t0 < 10_000) {
      const t = (Date.now() - t0) / 10_000;
      last = { x: 0.5 + 0.45 * Math.sin(2 * Math.PI * 1.5 * t), y: 0.5 + 0.45 * Math.sin(2 * Math.PI * t) };
      const at = await padPoint(last.x, last.y);
      await page.mouse.move(at.x, at.y);
      moves++;
      await sleep(5);
    }
    await page.mouse.up();
    const sweepMs = Date.now() - t0;
    const during = await page.evaluate((b) => ({
      queueMax: (window as any).queueMax as number,
      started: gsTest.el.engineState.rendersStarted - b.started,
      firsts: gsTest.events.slice(b.events).filter((e) => e.type === 'bank-progress' && e.detail.done === 1).map((e) => e.detail.pitch as number),
      held: gsTest.events.slice(b.events).filter((e) => e.type === 'bank-progress' && e.detail.pitch === 60).length,
    }), before);
    const endXY = await xy();
    await settle();
    const after = await page.evaluate(() => {
      clearInterval((window as any).queueSampler);
      return { queueMax: (window as any).queueMax as number, state: gsTest.el.engineState };
    });
    await midi([0x80, 60, 0]);
    console.log(`# sweep ${sweepMs} ms, ${moves} pointer moves: ${during.started} renders started, render queue ≤ ${after.queueMax}, held pitch delivered ${during.held}×, first pitches ${[...new Set(during.firsts)]}`);
    assert.ok(Math.abs(endXY.x - last.x) < 0.02 && Math.abs(endXY.y - last.y) < 0.02, 'the pad ended where the pointer did');
    assert.ok(during.started <= sweepMs / 100 + 2, `at most 10 renders a second (${during.started} in ${sweepMs} ms)`);
    assert.ok(during.started >= 3, 'the sweep re-rendered as it went');
    assert.ok(after.queueMax <= 2, `the render queue stays bounded (max ${after.queueMax})`);
    assert.ok(during.firsts.length > 0 && during.firsts.every((p) => p === 60), `every render delivered the held pitch first (${during.firsts})`);
    assert.ok(during.held >= 3, `the held note followed the sweep (${during.held} new buffers for it)`);
    assert.equal(after.state.bankDone, HIGH - LOW + 1, 'the last position’s bank completed');
    // The bank left playing is the last position's: rendering that position afresh gives the same notes.
    const digest = () => page.evaluate(({ lo, hi }) => {
      const out: number[] = [];
      for (let p = lo; p <= hi; p++) out.push(Array.from(gsTest.el.getNote(p).samples as Float32Array).reduce((a: number, v: number, i: number) => a + v * ((i % 97) + 1), 0));
      return out;
    }, { lo: LOW, hi: HIGH });
    const swept = await digest();
    await page.evaluate(() => gsTest.el.morphToXY(1, 0));
    await settle();
    const elsewhere = await digest();
    await page.evaluate((p) => gsTest.el.morphToXY(p.x, p.y), endXY);
    await settle();
    assert.notDeepEqual(elsewhere, swept);
    assert.deepEqual(await digest(), swept);
  });
});
