/**
 * <gansynth-instrument> in real Chromium with a tiny seeded model rendered on tfjs-wasm in the render Worker:
 * Web MIDI bytes through webmidi (fake MIDIAccess) to voices and audio, the preset swap without a gap, and
 * the element playing into a host page's AudioContext with sample-accurate scheduling.
 * (SwiftShader WebGPU takes minutes for one bank of the spectral pipeline on this machine; wasm takes seconds.)
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { browserSkipReason, type OpenedPage } from '../../support/browser-harness.ts';
import { TEST_ATTRS as ATTRS, TEST_HIGH as HIGH, TEST_LOW as LOW, openInstrumentPage } from '../../support/instrument-fixtures.ts';

const skip = browserSkipReason();

type Gs = {
  el: HTMLElement & Record<string, any>;
  events: { type: string; t: number; detail: any }[];
  stats(): Promise<{ activeVoices: number; notesWithoutBank: number; crossfadedVoices: number }>;
  record(ms: number, win?: number, cutoffsHz?: number[]): Promise<{ rms: number[]; highShare: number[]; frames: number; rate: number }>;
  mount(o: object): Promise<number>;
  scheduledOnset(pitch: number, leadSec: number): Promise<{ scheduledFrame: number; onsetFrame: number }>;
  midiLatencyOnset(pitch: number, latencyMs: number): Promise<{ expectedFrame: number; sendFrame: number; onsetFrame: number }>;
};
declare const gsTest: Gs;
declare const fakeMidi: { plug(id: string, name: string): void; unplug(id: string): void; send(id: string, bytes: number[]): void; requests: number };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function midi(page: Page, bytes: number[], input = 'fake-1'): Promise<void> {
  await page.evaluate(({ bytes, input }) => fakeMidi.send(input, bytes), { bytes, input });
}
const voices = (page: Page) => page.evaluate(() => gsTest.stats().then((s) => s.activeVoices));

describe('gansynth-instrument in Chromium', { skip }, () => {
  let opened: OpenedPage;
  let page: Page;
  const t0 = Date.now();

  before(async () => {
    opened = await openInstrumentPage();
    page = opened.page;
    const ms = await page.evaluate((attrs) => gsTest.mount({ model: '/tiny/', workerUrl: '/static/render-worker.js', attrs }), ATTRS);
    console.log(`# first bank (${HIGH - LOW + 1} pitches, tiny model, wasm in a Worker): ${Math.round(ms)} ms; setup ${Date.now() - t0} ms`);
  });
  after(async () => {
    if (opened && process.env.DEBUG_PAGE) console.log(opened.consoleLines.join('\n'));
    await opened?.close();
  });

  test('status: backend, bank n/n with per-pitch progress, model name marked untrained', async () => {
    const s = await page.evaluate(() => ({
      state: gsTest.el.engineState,
      progress: gsTest.events.filter((e) => e.type === 'bank-progress').map((e) => e.detail),
      status: gsTest.el.shadowRoot!.querySelector('gansynth-status-line')!.shadowRoot!.textContent!.replace(/\s+/g, ' '),
    }));
    assert.equal(s.state.backend, 'wasm');
    assert.equal(s.state.bankDone, HIGH - LOW + 1);
    assert.deepEqual(s.progress.map((p: { done: number }) => p.done), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepEqual(s.progress.map((p: { pitch: number }) => p.pitch).sort(), [57, 58, 59, 60, 61, 62, 63, 64]);
    assert.match(s.status, /backend: wasm/);
    assert.match(s.status, /bank: 8\/8/);
    assert.match(s.status, /tiny test model/);
    assert.match(s.status, /untrained model/);
  });

  test('MIDI note on/off with velocity, running-status note-off, sustain pedal (CC64)', async () => {
    await midi(page, [0x90, 60, 100]);
    await sleep(150);
    assert.equal(await voices(page), 1);
    assert.deepEqual((await page.evaluate(() => gsTest.el.engineState)).active, [60]);
    const playing = await page.evaluate(() => gsTest.record(300));
    assert.ok(median(playing.rms) > 0.01, `a held note sounds (median RMS ${median(playing.rms)})`);
    // Pedal down, key up: the note keeps sounding past its 0.3 s release.
    await midi(page, [0xb0, 64, 127]);
    await midi(page, [0x80, 60, 0]);
    await sleep(700);
    assert.equal(await voices(page), 1, 'sustained by the pedal');
    await midi(page, [0xb0, 64, 0]);
    await sleep(700);
    assert.equal(await voices(page), 0, 'released when the pedal came up');
    const silent = await page.evaluate(() => gsTest.record(200));
    assert.ok(Math.max(...silent.rms) < 1e-4, `silence after release (max RMS ${Math.max(...silent.rms)})`);
    await midi(page, [0x90, 62, 90]);
    await sleep(100);
    assert.equal(await voices(page), 1);
    await midi(page, [0x90, 62, 0]); // velocity 0 = note-off
    await sleep(700);
    assert.equal(await voices(page), 0);
  });

  test('midi-latency-ms: a live MIDI note sounds that long after the port received it, not when the page got to it', async () => {
    const latencyMs = 200;
    const r = await page.evaluate((ms) => gsTest.midiLatencyOnset(60, ms), latencyMs);
    const rate = await page.evaluate(() => gsTest.el.context!.sampleRate);
    console.log(`# midi-latency-ms ${latencyMs} ms: onset ${((r.onsetFrame - r.sendFrame) / rate * 1000).toFixed(1)} ms after sending, ${r.onsetFrame - r.expectedFrame} frames from the clock pairing's time`);
    assert.ok(r.onsetFrame > 0, 'the note sounded');
    // The controller pairs the clocks again a moment later; both pairings agree to within a render quantum or so.
    assert.ok(Math.abs(r.onsetFrame - r.expectedFrame) <= 512, `onset ${r.onsetFrame} vs expected ${r.expectedFrame}`);
    assert.ok(r.onsetFrame - r.sendFrame > 0.1 * rate, `held back by the budget (${r.onsetFrame - r.sendFrame} frames after sending)`);
    await sleep(700);
    assert.equal(await voices(page), 0);
  });

  test('pitch bend moves the spectrum up; RPN 0 widens the bend range', async () => {
    // Notes hold energy up to 8 kHz (the model's Nyquist): bent up 2 semitones they reach 8.98 kHz, 12 → 16 kHz.
    await midi(page, [0x90, 60, 127]);
    await sleep(150);
    const rec = (cutoffs: number[]) => page.evaluate((c) => gsTest.record(400, 1024, c), cutoffs);
    const flat = await rec([8400, 9500]);
    await midi(page, [0xe0, 0x7f, 0x7f]); // full up, default range ±2
    await sleep(50);
    const up2 = await rec([8400, 9500]);
    await midi(page, [0xb0, 101, 0]);
    await midi(page, [0xb0, 100, 0]);
    await midi(page, [0xb0, 6, 12]); // RPN 0 (bend range) = 12 semitones
    await sleep(50);
    const up12 = await rec([8400, 9500]);
    await midi(page, [0xe0, 0x00, 0x40]); // centre
    await midi(page, [0x80, 60, 0]);
    console.log(`# energy share above 8.4 kHz: flat ${flat.highShare[0]!.toExponential(2)}, +2 st ${up2.highShare[0]!.toExponential(2)}; above 9.5 kHz: +2 st ${up2.highShare[1]!.toExponential(2)}, +12 st ${up12.highShare[1]!.toExponential(2)}`);
    assert.ok(up2.highShare[0]! > 1e-4 && up2.highShare[0]! > 100 * flat.highShare[0]!, 'bend +2 moves energy above 8.4 kHz');
    assert.ok(up12.highShare[1]! > 1e-3 && up12.highShare[1]! > 100 * up2.highShare[1]!, 'range 12 moves energy above 9.5 kHz');
    await sleep(600);
  });

  test('channel filter and hot-plugged devices', async () => {
    await page.evaluate(() => (gsTest.el.midiChannel = 2));
    await sleep(50);
    await midi(page, [0x90, 61, 100]); // channel 1: filtered out
    await sleep(150);
    assert.equal(await voices(page), 0);
    await midi(page, [0x91, 61, 100]); // channel 2
    await sleep(150);
    assert.equal(await voices(page), 1);
    await midi(page, [0x81, 61, 0]);
    await page.evaluate(() => (gsTest.el.midiChannel = 0));
    const inputs = () => page.evaluate(() => (gsTest.el.shadowRoot!.querySelector('gansynth-device-picker') as any).inputs.map((i: { name: string }) => i.name));
    assert.deepEqual(await inputs(), ['Fake Keys 1']);
    await page.evaluate(() => fakeMidi.plug('fake-2', 'Fake Keys 2'));
    await sleep(100);
    assert.deepEqual(await inputs(), ['Fake Keys 1', 'Fake Keys 2']);
    await sleep(600);
    await midi(page, [0x90, 63, 100], 'fake-2');
    await sleep(150);
    assert.equal(await voices(page), 1, 'a device plugged in later plays');
    await midi(page, [0x80, 63, 0], 'fake-2');
    await page.evaluate(() => fakeMidi.unplug('fake-2'));
    await sleep(100);
    assert.deepEqual(await inputs(), ['Fake Keys 1']);
    assert.equal(await page.evaluate(() => fakeMidi.requests), 1, 'MIDI access requested once');
    await sleep(600);
  });

  test('preset swap while notes sound: no gap, held pitches render first and crossfade to the new sound', async () => {
    const before = await page.evaluate(() => gsTest.events.length);
    const crossfadedBefore = await page.evaluate(() => gsTest.stats().then((s) => s.crossfadedVoices));
    await midi(page, [0x90, 60, 110]);
    await midi(page, [0x90, 62, 110]);
    await sleep(1000); // past the attack, into the sustain
    // Record across the whole swap (resolves when the new bank is complete) and 300 ms after it, while
    // other keys are struck every 250 ms (new notes take whichever bank the pitch has at that moment).
    const swap = await page.evaluate(async () => {
      const g = (window as any).gsTest;
      const el = gsTest.el;
      let k = 0;
      const strikes = setInterval(() => {
        const p = [59, 61, 63][k++ % 3]!;
        el.noteOn(p, 90);
        setTimeout(() => el.noteOff(p), 200);
      }, 250);
      g.recorder.start();
      const t = performance.now();
      const done = await el.setPreset(2);
      await new Promise((ok) => setTimeout(ok, 300));
      clearInterval(strikes);
      const out = await g.recorder.stop();
      const x = out.samples as Float32Array;
      const rms: number[] = [];
      for (let i = 0; i + 1024 <= x.length; i += 1024) {
        let s = 0;
        for (let j = i; j < i + 1024; j++) s += x[j]! * x[j]!;
        rms.push(Math.sqrt(s / 1024));
      }
      return { done, ms: performance.now() - t, rms };
    });
    const progress = await page.evaluate((n) => gsTest.events.slice(n).filter((e) => e.type === 'bank-progress').map((e) => e.detail.pitch), before);
    const crossfaded = (await page.evaluate(() => gsTest.stats().then((s) => s.crossfadedVoices))) - crossfadedBefore;
    await midi(page, [0x80, 60, 0]);
    await midi(page, [0x80, 62, 0]);
    // 60 and 62 are held throughout; a struck 59/61/63 still down when its pitch's new buffer lands moves too.
    assert.ok(crossfaded >= 2 && crossfaded <= 5, `held notes moved to the new preset (${crossfaded} voices)`);
    const min = Math.min(...swap.rms);
    console.log(`# swap: ${Math.round(swap.ms)} ms, RMS per 1024 frames min ${min.toFixed(4)} median ${median(swap.rms).toFixed(4)} over ${swap.rms.length} windows`);
    assert.equal(swap.done, true);
    assert.equal(progress.length, HIGH - LOW + 1);
    assert.deepEqual(progress.slice(0, 2).sort(), [60, 62], `held pitches first (order ${progress})`);
    assert.ok(swap.rms.length > 10);
    assert.ok(min > 0.02 && min > 0.3 * median(swap.rms), `the level never drops during the swap: ${swap.rms.map((x: number) => x.toFixed(3)).join(' ')}`);
    assert.equal(await page.evaluate(() => gsTest.el.selectedPreset), 2);
    await sleep(600);
  });

  test('mod wheel (CC1) drives the morph pad across and re-renders', async () => {
    const before = await page.evaluate(() => gsTest.events.filter((e) => e.type === 'bank-ready').length);
    await midi(page, [0xb0, 1, 127]);
    await page.waitForFunction((n) => gsTest.events.filter((e) => e.type === 'bank-ready').length > n, before, { timeout: 60_000 });
    assert.deepEqual(await page.evaluate(() => gsTest.el.morphXY), { x: 1, y: 0, active: true });
    assert.equal(await page.evaluate(() => gsTest.el.selectedPreset), 1, 'bottom right corner: preset 1');
    await midi(page, [0xb0, 1, 0]);
    assert.equal(await page.evaluate(() => gsTest.el.morphXY.x), 0);
    assert.equal(await page.evaluate(() => gsTest.el.selectedPreset), 0);
    await page.waitForFunction(() => !gsTest.el.engineState.rendering, undefined, { timeout: 60_000 });
  });

  test('volume and release attributes reach the audio', async () => {
    await midi(page, [0x90, 60, 100]);
    await sleep(300);
    const on = median((await page.evaluate(() => gsTest.record(200))).rms);
    await page.evaluate(() => gsTest.el.setAttribute('volume', '0'));
    await sleep(150); // the gain glides with a 10 ms time constant
    const muted = Math.max(...(await page.evaluate(() => gsTest.record(200))).rms);
    assert.equal(await voices(page), 1, 'the voice still plays');
    await page.evaluate(() => gsTest.el.setAttribute('volume', '0.8'));
    await sleep(150);
    const back = median((await page.evaluate(() => gsTest.record(200))).rms);
    console.log(`# volume 0.8 → 0 → 0.8: median RMS ${on.toFixed(4)}, max ${muted.toExponential(1)}, median ${back.toFixed(4)}`);
    assert.ok(on > 0.01 && back > 0.01 && muted < 1e-4, 'volume 0 silences the output, 0.8 brings it back');
    await page.evaluate(() => gsTest.el.setAttribute('release', '0.02'));
    await sleep(50);
    await midi(page, [0x80, 60, 0]);
    await sleep(120); // well under the default 0.3 s release
    assert.equal(await voices(page), 0, 'a 20 ms release has ended');
    await page.evaluate(() => {
      gsTest.el.setAttribute('volume', '0.8');
      gsTest.el.setAttribute('release', '0.3');
    });
  });

  test('API misuse: noteOn velocity 0 is a note-off; a bad bank replaces nothing; the error leaves the status line', async () => {
    await page.evaluate(() => gsTest.el.noteOn(60, 100));
    await sleep(150);
    assert.equal(await voices(page), 1);
    await page.evaluate(() => gsTest.el.noteOn(60, 0));
    await sleep(500); // past the 0.3 s release
    assert.equal(await voices(page), 0, 'noteOn(p, 0) released the note');
    const r = await page.evaluate(() => {
      const before = gsTest.el.presets.map((p: { name: string }) => p.name);
      let message = '';
      try {
        gsTest.el.presets = [{ name: 'good', latent: { seed: 1 } }, { name: 'bad', latent: Array(256).fill(1e39) }];
      } catch (e) {
        message = (e as Error).message;
      }
      return { before, after: gsTest.el.presets.map((p: { name: string }) => p.name), message };
    });
    assert.match(r.message, /"bad".*outside ±100/);
    assert.deepEqual(r.after, r.before, 'the bank is unchanged');
    const status = () => page.evaluate(() => gsTest.el.shadowRoot!.querySelector('gansynth-status-line')!.shadowRoot!.textContent!.replace(/\s+/g, ' '));
    assert.match(await status(), /error: .*outside ±100/);
    await page.waitForFunction(() => !gsTest.el.shadowRoot!.querySelector('gansynth-status-line')!.shadowRoot!.querySelector('[part=error]'), undefined, { timeout: 8000 });
    assert.doesNotMatch(await status(), /error:/);
  });

  test('errors are shown in the status line and fired, not swallowed', async () => {
    const message = await page.evaluate(() => gsTest.mount({ model: '/no-such-model/', attrs: { 'midi-input': 'none', 'wasm-path': '/wasm/' } }).then(() => 'resolved', (e: Error) => e.message));
    const status = await page.evaluate(() => gsTest.el.shadowRoot!.querySelector('gansynth-status-line')!.shadowRoot!.textContent!.replace(/\s+/g, ' '));
    assert.match(message, /no-such-model/);
    assert.match(status, /error: .*no-such-model/);
    await page.evaluate(() => gsTest.el.remove());
    // A closed host AudioContext is named, not a silent instrument.
    const closed = await page.evaluate(async () => {
      const ctx = new AudioContext();
      await ctx.close();
      const el = document.createElement('gansynth-instrument');
      el.audioContext = ctx;
      el.setAttribute('model', '/tiny/');
      const error = new Promise<string>((ok) => el.addEventListener('error', (e) => ok((e as unknown as CustomEvent).detail.message), { once: true }));
      document.body.append(el);
      const message = await error;
      el.remove();
      return message;
    });
    assert.match(closed, /host AudioContext is closed/);
  });

  test('host AudioContext: element.output routed by the host, notes scheduled sample-accurately (main-thread renderer)', async () => {
    const ms = await page.evaluate(() => {
      (window as any).gsTest.el = undefined;
      // No worker-url: this one renders on the page's thread (the other renderer adapter).
      return gsTest.mount({ model: '/tiny/', host: true, attrs: { backend: 'wasm', 'wasm-path': '/wasm/', low: '60', high: '61', 'midi-input': 'none' } });
    });
    const same = await page.evaluate(() => {
      const g = (window as any).gsTest;
      return g.el.context === g.hostContext && g.el.output.context === g.hostContext;
    });
    assert.ok(same, 'the element plays in the host context');
    const { scheduledFrame, onsetFrame } = await page.evaluate(() => gsTest.scheduledOnset(60, 0.25));
    console.log(`# host instrument ready in ${Math.round(ms)} ms; scheduled frame ${scheduledFrame}, onset ${onsetFrame}`);
    assert.ok(onsetFrame >= scheduledFrame, `no sound before the scheduled frame (${onsetFrame} < ${scheduledFrame})`);
    assert.ok(onsetFrame - scheduledFrame < 64, `onset within 64 frames of the schedule (${onsetFrame - scheduledFrame})`);
  });

  test('a GPU backend (WebGL2 on SwiftShader) renders through the element and plays', async () => {
    // WebGL is the GPU path that fits the budget here: ~17 s for 2 pitches; SwiftShader WebGPU took ~146 s.
    const ms = await page.evaluate(() => {
      (window as any).gsTest.el = undefined;
      return gsTest.mount({ model: '/tiny/', workerUrl: '/static/render-worker.js', attrs: { backend: 'webgl', low: '60', high: '61', 'midi-input': 'none' } });
    });
    const state = await page.evaluate(() => gsTest.el.engineState);
    console.log(`# webgl instrument (2 pitches, in a Worker) ready in ${Math.round(ms)} ms`);
    assert.equal(state.backend, 'webgl');
    assert.equal(state.bankDone, 2);
    await page.evaluate(() => gsTest.el.noteOn(61, 100));
    await sleep(150);
    const rec = await page.evaluate(() => gsTest.record(300));
    await page.evaluate(() => gsTest.el.noteOff(61));
    assert.ok(median(rec.rms) > 0.01, `the WebGL-rendered note sounds (median RMS ${median(rec.rms)})`);
  });
});
