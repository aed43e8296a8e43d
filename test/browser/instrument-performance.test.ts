/**
 * Playing it, in real Chromium with a real AudioWorklet and a tiny seeded model on tfjs-wasm in the render Worker:
 * the latency the element reports (property and status line); the time from a preset change to the first struck
 * note heard with the new timbre (each strike classified by which rendered buffer it sounds like); panic (button
 * and method) and the channel mode messages from MIDI bytes; the pedals CC66 / CC67 / CC121 from MIDI bytes.
 * The pedals' and reset's effect in the voices comes from the worklet (src/worklet/pedals.ts): a worklet that
 * refuses those messages fails the checks.
 */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { browserSkipReason, type OpenedPage } from '../../support/browser-harness.ts';
import { TEST_ATTRS as ATTRS, TEST_HIGH as HIGH, TEST_LOW as LOW, openInstrumentPage } from '../../support/instrument-fixtures.ts';

const skip = browserSkipReason();

type Gs = {
  el: HTMLElement & Record<string, any>;
  events: { type: string; t: number; detail: any }[];
  mount(o: object): Promise<number>;
  stats(): Promise<{ activeVoices: number }>;
  record(ms: number): Promise<{ rms: number[] }>;
  swapToAudible(preset: number, pitch: number, strikeMs?: number): Promise<{
    complete: boolean; bankMs: number; changeFrame: number; firstNewFrame: number; renderedMs: number; audibleMs: number;
    latencyMs: number; buffersCorrelation: number; strikes: { onsetFrame: number; corrOld: number; corrNew: number }[];
  }>;
};
declare const gsTest: Gs;
declare const fakeMidi: { send(id: string, bytes: number[]): void };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('latency, preset swap to sound, panic and pedals in Chromium', { skip }, () => {
  let opened: OpenedPage;
  let page: Page;

  const midi = (bytes: number[]) => page.evaluate((b) => fakeMidi.send('fake-1', b), bytes);
  const voices = () => page.evaluate(() => gsTest.stats().then((s) => s.activeVoices));
  const status = () => page.evaluate(() => gsTest.el.shadowRoot!.querySelector('gansynth-status-line')!.shadowRoot!.textContent!.replace(/\s+/g, ' '));
  /** Fails when the worklet answered `type` with "unknown message type" (it must handle the pedal messages). */
  async function needsWorklet(_t: TestContext, type: string): Promise<boolean> {
    await sleep(100);
    const unknown = await page.evaluate((ty) => gsTest.events.some((e) => e.type === 'error' && String(e.detail.message).includes(`unknown message type "${ty}"`)), type);
    assert.equal(unknown, false, `the voice worklet refused "${type}"`);
    return true;
  }

  before(async () => {
    opened = await openInstrumentPage();
    page = opened.page;
    await page.evaluate((attrs) => gsTest.mount({ model: '/tiny/', workerUrl: '/static/render-worker.js', attrs }), ATTRS);
  });
  after(async () => {
    if (opened && process.env.DEBUG_PAGE) console.log(opened.consoleLines.join('\n'));
    await opened?.close();
  });

  test('latency: base + output latency + midi-latency-ms, as a property and in the status line', async () => {
    const read = () => page.evaluate(() => {
      const ctx = gsTest.el.context as AudioContext;
      return { latencyMs: gsTest.el.latencyMs as number, baseSec: ctx.baseLatency, outputSec: ctx.outputLatency };
    });
    const a = await read();
    console.log(`# latency: base ${(a.baseSec * 1000).toFixed(2)} ms + output ${(a.outputSec * 1000).toFixed(2)} ms = ${a.latencyMs.toFixed(2)} ms`);
    assert.ok(a.baseSec > 0, 'Chromium reports a base latency');
    assert.ok(Math.abs(a.latencyMs - (a.baseSec + a.outputSec) * 1000) < 1e-9);
    assert.match(await status(), new RegExp(`latency: ${a.latencyMs.toFixed(1)} ms`));
    await page.evaluate(() => gsTest.el.setAttribute('midi-latency-ms', '25'));
    const b = await read();
    assert.ok(Math.abs(b.latencyMs - (b.baseSec + b.outputSec) * 1000 - 25) < 1e-9, `25 ms more (${b.latencyMs})`);
    await page.waitForFunction((ms) => gsTest.el.shadowRoot!.querySelector('gansynth-status-line')!.shadowRoot!.textContent!.includes(`latency: ${ms} ms`), b.latencyMs.toFixed(1));
    const title = await page.evaluate(() => gsTest.el.shadowRoot!.querySelector('gansynth-status-line')!.shadowRoot!.querySelector('[part=latency]')!.getAttribute('title'));
    assert.match(title!, /MIDI budget 25 ms/);
    await page.evaluate(() => gsTest.el.setAttribute('midi-latency-ms', '0'));
  });

  test('preset change → the first struck note heard with the new timbre', async () => {
    const r = await page.evaluate(() => gsTest.swapToAudible(2, 60));
    const firstNew = r.strikes.findIndex((s) => s.onsetFrame === r.firstNewFrame);
    const worst = Math.min(...r.strikes.map((s) => Math.max(s.corrOld, s.corrNew)));
    console.log(`# preset change → new timbre: ${r.renderedMs.toFixed(0)} ms rendered, ${r.audibleMs.toFixed(0)} ms heard (latency ${r.latencyMs.toFixed(1)} ms); bank ${r.bankMs.toFixed(0)} ms; ${r.strikes.length} strikes (weakest match ${worst.toFixed(2)}), the old and new buffers correlate ${r.buffersCorrelation.toFixed(2)}`);
    assert.equal(r.complete, true, 'the new bank completed');
    assert.ok(r.buffersCorrelation < 0.5, 'the two timbres are told apart');
    assert.ok(firstNew > 0, 'a new-timbre strike was heard, after old ones');
    // Strikes before it sound old, but for at most the one just before, if the new buffer landed in its first 21 ms
    // (that note crossfades, so it matches neither buffer well). Matching is by margin (the page's
    // SOUNDS_LIKE_MARGIN): a note cut short by a late main thread lowers both correlations alike.
    const notOld = r.strikes.slice(0, firstNew).filter((s) => !(s.corrOld > s.corrNew + 0.3));
    assert.ok(notOld.length === 0 || (notOld.length === 1 && notOld[0] === r.strikes[firstNew - 1]), `strikes before it sound old: ${JSON.stringify(notOld)}`);
    for (const s of r.strikes.slice(firstNew)) assert.ok(s.corrNew > s.corrOld + 0.3, `strikes after it sound new: ${JSON.stringify(s)}`);
    assert.ok(median(r.strikes.map((s) => Math.max(s.corrOld, s.corrNew))) > 0.9, 'a typical strike matches its buffer closely');
    // The struck pitch renders first: one note's work (~0.5 s here), far under the 8-note bank.
    assert.ok(r.renderedMs > 0 && r.renderedMs < r.bankMs, `${r.renderedMs} ms < bank ${r.bankMs} ms`);
    assert.ok(Math.abs(r.audibleMs - r.renderedMs - r.latencyMs) < 1e-9);
  });

  test('panic (button and method) silences sustained notes at once; CC120 and CC123 from MIDI bytes', async () => {
    await midi([0xb0, 64, 127]);
    await midi([0x90, 60, 100]);
    await midi([0x90, 62, 100]);
    await midi([0x80, 60, 0]);
    await midi([0x80, 62, 0]);
    await sleep(400);
    assert.equal(await voices(), 2, 'held by the sustain pedal');
    await page.locator('gansynth-instrument button[part=panic]').click();
    await sleep(60);
    assert.equal(await voices(), 0, 'panic: all sound off');
    const silent = await page.evaluate(() => gsTest.record(200));
    assert.ok(Math.max(...silent.rms) < 1e-4, `silence (max RMS ${Math.max(...silent.rms)})`);
    await midi([0xb0, 64, 0]);
    await midi([0x90, 61, 100]);
    await sleep(100);
    await page.evaluate(() => gsTest.el.panic());
    await sleep(60);
    assert.equal(await voices(), 0, 'panic(): all sound off');
    await midi([0x90, 63, 100]);
    await sleep(100);
    await midi([0xb0, 120, 0]);
    await sleep(60);
    assert.equal(await voices(), 0, 'CC120: all sound off');
    await midi([0x90, 63, 100]);
    await sleep(100);
    await midi([0xb0, 123, 0]);
    await sleep(500); // past the 0.3 s release
    assert.equal(await voices(), 0, 'CC123: all notes off');
  });

  test('panic resets the controllers: a sustain pedal left down no longer holds notes', async (t) => {
    await midi([0xb0, 64, 127]);
    await page.evaluate(() => gsTest.el.panic());
    if (!(await needsWorklet(t, 'resetControllers'))) return;
    await midi([0x90, 60, 100]);
    await sleep(100);
    await midi([0x80, 60, 0]);
    await sleep(500);
    assert.equal(await voices(), 0, 'released: the pedal was reset');
  });

  test('CC66 sostenuto holds the notes down when it went down; CC67 soft pedal softens notes struck under it; CC121 lifts it', async (t) => {
    await midi([0x90, 60, 100]);
    await sleep(100);
    await midi([0xb0, 66, 127]);
    if (!(await needsWorklet(t, 'sostenuto'))) return void (await midi([0xb0, 123, 0]));
    await midi([0x90, 62, 100]);
    await midi([0x80, 60, 0]);
    await midi([0x80, 62, 0]);
    await sleep(500);
    assert.deepEqual(await voices(), 1, 'the note down at the press sustains, the later one released');
    await midi([0xb0, 66, 0]);
    await sleep(500);
    assert.equal(await voices(), 0, 'released with the pedal');
    /** Median RMS of a fresh note of 60, 200..500 ms after its onset. */
    const strike = async () => {
      await midi([0x90, 60, 100]);
      await sleep(200);
      const rms = median((await page.evaluate(() => gsTest.record(300))).rms);
      await midi([0x80, 60, 0]);
      await sleep(500);
      return rms;
    };
    const loud = await strike();
    await midi([0xb0, 67, 127]);
    if (!(await needsWorklet(t, 'softPedal'))) return;
    const soft = await strike();
    await midi([0xb0, 121, 0]); // reset all controllers: the soft pedal comes up
    const reset = await strike();
    console.log(`# soft pedal: median RMS ${loud.toFixed(4)} → ${soft.toFixed(4)} (${(20 * Math.log10(soft / loud)).toFixed(1)} dB) → after CC121 ${reset.toFixed(4)}`);
    assert.ok(soft < 0.7 * loud, 'a note struck under the soft pedal is softer');
    assert.ok(Math.abs(reset / loud - 1) < 0.1, 'CC121 lifted the pedal');
  });
});
