/**
 * Sound → preset in the instrument, in real Chromium: a real WAV file, rendered in Node from a known latent of the
 * page's own tiny seeded model, is dropped on <gansynth-instrument> (a DataTransfer with a File, as a drag from the
 * desktop delivers it). The inversion runs in the render Worker (tfjs-wasm); its progress shows in the status line;
 * a new preset named after the file appears, is selected, and its bank renders; the morph slider reaches it. A
 * silent WAV is refused with the file named; a cancelled inversion adds nothing. The record button records from
 * Chromium's fake microphone, fed a harmonic tone at A3 from a WAV file (--use-file-for-fake-audio-capture), through
 * the real getUserMedia path: the recording's pitch is found (57) and it becomes a preset too.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { Page } from 'playwright-core';
import { browserSkipReason, type OpenedPage } from '../../support/browser-harness.ts';
import { TEST_ATTRS, TEST_HIGH as HIGH, TEST_LOW as LOW, openInstrumentPage } from '../../support/instrument-fixtures.ts';
import { TINY_CONFIG } from '../../src/shared/model-config.ts';
import { initGeneratorParams } from '../../src/engine/generator.ts';
import { NoteRenderer } from '../../src/engine/renderer.ts';
import { randomLatent } from '../../src/engine/latent.ts';
import { encodeWav } from '../../src/shared/wav.ts';
import { midiToHz } from '../../src/shared/pitch.ts';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURE_DIR } from '../../support/instrument-fixtures.ts';

const skip = browserSkipReason();

type Gs = { el: HTMLElement & Record<string, any>; events: { type: string; detail: any }[]; mount(o: object): Promise<number> };
declare const gsTest: Gs;

/** The note of randomLatent(100) at pitch 60 from the fixture's tiny model (seed 7), as a 32-bit float WAV. */
async function knownNoteWav(): Promise<Uint8Array> {
  await tf.setBackend('cpu');
  const params = initGeneratorParams(TINY_CONFIG, 7);
  const model = { config: TINY_CONFIG, normalization: TINY_CONFIG.normalization, params, meta: {}, format: 'gansynth-web/1' as const, dispose: () => tf.dispose(Object.values(params)) };
  const renderer = new NoteRenderer({ model, sampleRateHz: 16000, backend: 'current' });
  try {
    await renderer.initialize();
    const [samples] = await renderer.renderNotes([{ latent: randomLatent(100), pitch: 60 }], 16000);
    return encodeWav([samples!], 16000, 'float32');
  } finally {
    renderer.dispose();
    model.dispose();
  }
}

/** A harmonic tone at MIDI `pitch` (6 partials), `sec` long at 48 kHz, as 16-bit WAV bytes: the fake microphone's input. */
function toneWav(pitch: number, sec: number): Uint8Array {
  const rate = 48000;
  const x = new Float32Array(Math.round(rate * sec));
  const hz = midiToHz(pitch);
  for (let i = 0; i < x.length; i++) {
    let v = 0;
    for (let h = 1; h <= 6; h++) v += Math.sin((2 * Math.PI * hz * h * i) / rate) / h;
    x[i] = 0.3 * v;
  }
  return encodeWav([x], rate);
}

/** Drops `bytes` as a file named `name` on the element, as a drag from the desktop does. */
async function dropFile(page: Page, name: string, bytes: Uint8Array): Promise<void> {
  const data = await page.evaluateHandle(({ name, b64 }) => {
    const bin = atob(b64);
    const buf = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) buf[i] = bin.charCodeAt(i);
    const dt = new DataTransfer();
    dt.items.add(new File([buf], name, { type: 'audio/wav' }));
    return dt;
  }, { name, b64: Buffer.from(bytes).toString('base64') });
  await page.dispatchEvent('gansynth-instrument', 'dragover', { dataTransfer: data });
  await page.dispatchEvent('gansynth-instrument', 'drop', { dataTransfer: data });
}

describe('sound → preset: a WAV dropped on the instrument', { skip }, () => {
  let opened: OpenedPage;
  let page: Page;
  let wav: Uint8Array;

  before(async () => {
    wav = await knownNoteWav();
    mkdirSync(FIXTURE_DIR, { recursive: true });
    const mic = join(FIXTURE_DIR, 'fake-microphone-a3.wav');
    writeFileSync(mic, toneWav(57, 10));
    opened = await openInstrumentPage({
      extraArgs: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-audio-capture=${mic}`],
    });
    page = opened.page;
    await page.evaluate((attrs) => gsTest.mount({ model: '/tiny/', workerUrl: '/static/render-worker.js', attrs }),
      { ...TEST_ATTRS, 'invert-steps': '3', 'invert-starts': '1' });
    await page.evaluate(() => {
      for (const type of ['sound-inverted', 'presets-changed']) gsTest.el.addEventListener(type, (e) => gsTest.events.push({ type, detail: (e as CustomEvent).detail }));
      // Every gansynth-status-line phase the element shows, to see the inversion's progress go by.
      (window as any).phases = [];
      const line = gsTest.el.shadowRoot!.querySelector('gansynth-status-line') as HTMLElement & { phase: string };
      setInterval(() => {
        const p = line.phase;
        if (p && (window as any).phases.at(-1) !== p) (window as any).phases.push(p);
      }, 10);
    });
  });
  after(async () => {
    if (opened && process.env.DEBUG_PAGE) console.log(opened.consoleLines.join('\n'));
    await opened?.close();
  });

  test('the dropped note becomes a selected preset named after the file, whose bank renders, and the morph reaches it', async () => {
    const presetsBefore = await page.evaluate(() => gsTest.el.presets.length as number);
    await dropFile(page, 'gansynth-p60-s100.wav', wav);
    await page.waitForFunction(() => gsTest.events.some((e) => e.type === 'sound-inverted' || e.type === 'error'), undefined, { timeout: 120_000 });
    const inverted = await page.evaluate(() => gsTest.events.find((e) => e.type === 'sound-inverted' || e.type === 'error'));
    assert.equal(inverted!.type, 'sound-inverted', JSON.stringify(inverted!.detail));
    assert.equal(inverted!.detail.preset.name, 'gansynth-p60-s100');
    assert.equal(inverted!.detail.result.pitch, 60);
    assert.equal(inverted!.detail.result.pitchSource, 'file name');
    assert.equal(inverted!.detail.result.lossHistory.length, 4);
    const presets = await page.evaluate(() => gsTest.el.presets as { name: string; latent: number[]; model?: string }[]);
    assert.equal(presets.length, presetsBefore + 1);
    assert.equal(presets.at(-1)!.name, 'gansynth-p60-s100');
    assert.equal(presets.at(-1)!.model, 'tiny test model');
    assert.equal(presets.at(-1)!.latent.length, 256);
    // Any 256 numbers would pass the line above: the new preset holds the inversion's latent, number for number.
    const same = await page.evaluate(() => {
      const r = gsTest.events.find((e) => e.type === 'sound-inverted')!.detail.result.latent as Float32Array;
      const z = gsTest.el.presets.at(-1)!.latent as number[];
      return z.length === r.length && z.every((v, i) => v === r[i]);
    });
    assert.equal(same, true, 'the preset is the inverted latent');
    assert.equal(await page.evaluate(() => gsTest.el.selectedPreset), presetsBefore, 'the new preset is selected');
    assert.ok(await page.evaluate(() => gsTest.events.some((e) => e.type === 'presets-changed')), 'presets-changed fired');
    const phases = await page.evaluate(() => (window as any).phases as string[]);
    assert.ok(phases.some((p) => /^sound → preset gansynth-p60-s100\.wav: step \d\/3, [\d.]+ dB$/.test(p)), `progress in the status line: ${phases.join(' | ')}`);
    // Its bank renders completely (every pitch of the range), and the notes are not silent.
    await page.waitForFunction((n) => !gsTest.el.engineState.rendering && gsTest.el.engineState.bankDone === n, HIGH - LOW + 1, { timeout: 120_000 });
    const peak = await page.evaluate(() => (gsTest.el.getNote(60).samples as Float32Array).reduce((m, v) => Math.max(m, Math.abs(v)), 0));
    assert.ok(peak > 1e-4, `pitch 60 of the new preset sounds (peak ${peak})`);
    // The morph slider's end is the last preset: the new one.
    await page.evaluate(() => gsTest.el.morphTo(0));
    await page.evaluate(() => gsTest.el.morphTo(1));
    await page.waitForFunction(() => gsTest.el.selectedPreset === gsTest.el.presets.length - 1, undefined, { timeout: 60_000 });
  });

  test('a silent WAV is refused naming the file; a cancelled inversion adds no preset', async () => {
    const count = await page.evaluate(() => gsTest.el.presets.length as number);
    await dropFile(page, 'quiet.wav', encodeWav([new Float32Array(16000)], 16000));
    await page.waitForFunction(() => gsTest.events.some((e) => e.type === 'error' && /quiet\.wav/.test(e.detail.message)), undefined, { timeout: 30_000 });
    const message = await page.evaluate(() => gsTest.events.find((e) => e.type === 'error' && /quiet\.wav/.test(e.detail.message))!.detail.message as string);
    assert.match(message, /quiet\.wav: is silent/);
    const result = await page.evaluate(async ({ b64 }) => {
      const bin = atob(b64);
      const buf = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) buf[i] = bin.charCodeAt(i);
      const pending = gsTest.el.importSound(new Blob([buf]), 'cancelled-p60.wav', { steps: 50 });
      await new Promise((r) => setTimeout(r, 300));
      gsTest.el.cancelSoundImport();
      return (await pending) ?? null;
    }, { b64: Buffer.from(wav).toString('base64') });
    assert.equal(result, null);
    assert.equal(await page.evaluate(() => gsTest.el.presets.length), count);
  });

  test('record: the microphone (the fake device of Chromium playing an A3 tone) becomes a preset at pitch 57', async () => {
    const count = await page.evaluate(() => gsTest.el.presets.length as number);
    await page.click('gansynth-instrument >> [part="sound-record"]');
    await page.waitForFunction(() => gsTest.events.some((e) => (e.type === 'sound-inverted' && e.detail.preset.name === 'recording 1') || (e.type === 'error' && /record/.test(e.detail.message))), undefined, { timeout: 120_000 });
    const event = await page.evaluate(() => gsTest.events.find((e) => (e.type === 'sound-inverted' && e.detail.preset.name === 'recording 1') || (e.type === 'error' && /record/.test(e.detail.message))));
    assert.equal(event!.type, 'sound-inverted', JSON.stringify(event!.detail));
    assert.equal(event!.detail.result.pitch, 57);
    assert.equal(event!.detail.result.pitchSource, 'f0');
    assert.match(event!.detail.result.conversion, /^mono, \d+ Hz → 16000 Hz$/);
    assert.equal(await page.evaluate(() => gsTest.el.presets.length), count + 1);
    const phases = await page.evaluate(() => (window as any).phases as string[]);
    assert.ok(phases.some((p) => /^recording 1\.wav: recording [\d.]+ \/ 4\.5 s$/.test(p)), `recording progress shown: ${phases.slice(-8).join(' | ')}`);
  });
});
