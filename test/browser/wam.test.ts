/**
 * The WAM 2.0 plugin as a host loads it: the built dist/wam/index.js (run `npm run build` first; npm test does),
 * in a page made with the SDK's host helper, rendering through an OfflineAudioContext at 48 kHz with the seeded tiny
 * model on wasm. Onsets land on the scheduled frames and each note is its pitch's bank note; getState → a new
 * instance → setState renders the same samples; morph automated while a note is held changes the sound.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { REPO_ROOT, browserSkipReason, openTestPage, type OpenedPage } from '../../support/browser-harness.ts';
import { TEST_HIGH, TEST_LOW, writeTinyModel } from '../../support/instrument-fixtures.ts';
import type { WamPlan, WamResult } from './pages/wam-host.ts';

const skip = browserSkipReason() || (existsSync(join(REPO_ROOT, 'dist/wam/index.js')) ? false : 'dist/wam/index.js missing: run npm run build');
const RATE_HZ = 48000;
const OPTIONS = { model: '/tiny/', backend: 'wasm', lowPitch: TEST_LOW, highPitch: TEST_HIGH };
let opened: OpenedPage | null = null;

before(async () => {
  if (skip) return;
  const modelDir = await writeTinyModel();
  opened = await openTestPage(join(REPO_ROOT, 'test/browser/pages/wam-host.ts'), {
    extraMounts: [{ prefix: '/dist/', dir: join(REPO_ROOT, 'dist') }, { prefix: '/tiny/', dir: modelDir }],
  });
  await opened.page.waitForFunction(() => window.wamPageReady === true, undefined, { timeout: 30_000 });
});

after(async () => {
  await opened?.close();
});

async function render(plan: WamPlan): Promise<WamResult> {
  const r = await opened!.page.evaluate((p) => window.wamRender(p), plan).catch((e: Error) => {
    throw new Error(`${e.message}\nconsole:\n${opened!.consoleLines.join('\n')}`);
  });
  assert.deepEqual(r.errors, [], `plugin errors; console:\n${opened!.consoleLines.join('\n')}`);
  return r;
}

const midi = (bytes: [number, number, number], frame: number) => ({ type: 'wam-midi' as const, time: frame / RATE_HZ, data: { bytes } });
const rms = (x: ArrayLike<number>, from: number, to: number): number => {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i]! ** 2;
  return Math.sqrt(s / (to - from));
};

test('descriptor, parameters, latency: what a host reads', { skip, timeout: 120_000 }, async () => {
  const r = await render({ frames: 4800, sampleRateHz: RATE_HZ, initialState: OPTIONS, events: [] });
  assert.equal(r.descriptor.apiVersion, '2.0.0');
  assert.equal(r.descriptor.isInstrument, true);
  assert.equal(r.descriptor.hasMidiInput, true);
  assert.equal(r.descriptor.hasAudioOutput, true);
  assert.deepEqual(r.parameterIds.sort(), ['bendRangeSemitones', 'morph', 'preset', 'releaseSec', 'volumeDb']);
  assert.equal(r.compensationDelaySec, 0, 'notes are pre-rendered: a note-on sounds on its frame, no delay to compensate');
  assert.equal(r.backend, 'wasm');
  assert.ok(r.left.every((v) => v === 0), 'no events, no sound');
});

test('scheduled MIDI: onsets on their frames, each note its own pitch\'s bank note', { skip, timeout: 120_000 }, async () => {
  // Frames mid-quantum and on a quantum edge; each release (0.3 s) ends before the next onset.
  const notes = [{ pitch: TEST_LOW, on: 4837, off: 15000 }, { pitch: TEST_LOW + 4, on: 30720, off: 40000 }, { pitch: TEST_HIGH, on: 55555, off: 65000 }];
  const events = notes.flatMap((n) => [midi([0x90, n.pitch, 127], n.on), midi([0x80, n.pitch, 0], n.off)]);
  const r = await render({
    frames: 80000, sampleRateHz: RATE_HZ, initialState: OPTIONS, events, parameters: { volumeDb: 0 },
    bankPitches: notes.map((n) => n.pitch),
  });
  assert.ok(r.channelsIdentical, 'stereo out, the mono voice mix on both channels');
  const x = r.left;
  const attackFrames = Math.round(0.002 * RATE_HZ);
  let silentFrom = 0;
  for (const n of notes) {
    for (let i = silentFrom; i < n.on; i++) assert.equal(x[i], 0, `frame ${i} before the onset of ${n.pitch} at ${n.on} is silent`);
    const bank = r.bank[n.pitch]!;
    assert.ok(bank.length > 0, `pitch ${n.pitch} has a bank note`);
    // Past the 2 ms attack the output is the pitch's note itself (velocity 127, 0 dB: gain 1), sample for sample.
    for (let k = attackFrames + 1; k < attackFrames + 2000; k++) {
      assert.ok(Math.abs(x[n.on + k]! - bank[k]!) < 1e-5, `pitch ${n.pitch}: frame ${n.on + k} = note[${k}] (${x[n.on + k]} vs ${bank[k]})`);
    }
    assert.ok(rms(x, n.on + 1, n.on + 64) > 1e-4, `sounding right after frame ${n.on}`);
    silentFrom = n.off + Math.round(0.3 * RATE_HZ) + 128;
  }
});

test('getState → a new instance → setState: the same samples', { skip, timeout: 180_000 }, async () => {
  const events = [midi([0x90, TEST_LOW + 2, 100], 2000), midi([0x90, TEST_HIGH - 1, 90], 9000), midi([0x80, TEST_LOW + 2, 0], 30000), midi([0x80, TEST_HIGH - 1, 0], 36000)];
  const plan = { frames: 60000, sampleRateHz: RATE_HZ, events };
  // A sound away from the defaults: preset 3 of 4, then the morph between presets, louder, longer release.
  const a = await render({ ...plan, initialState: OPTIONS, parameters: { preset: 2, volumeDb: 3, releaseSec: 0.8 } });
  // Then a bank of three presets of its own, and the morph between its second and third.
  const presetBank = JSON.stringify({ format: 'gansynth-web preset bank', version: 2, presets: [11, 12, 13].map((seed) => ({ name: `mine ${seed}`, latent: { seed } })) });
  const parameterValues = { ...(a.state.parameterValues as object), morph: { id: 'morph', value: 0.41, normalized: false } };
  const moved = await render({ ...plan, initialState: OPTIONS, setState: { ...a.state, presetBank, parameterValues } });
  const state = moved.state;
  assert.match(String(state.presetBank), /mine 13/, 'the state holds the bank it was given');
  assert.equal((state.parameterValues as Record<string, { value: number }>).morph!.value, 0.41);
  const restored = await render({ ...plan, initialState: OPTIONS, setState: state });
  const fresh = await render({ ...plan, initialState: OPTIONS });
  assert.ok(rms(moved.left, 0, plan.frames) > 1e-3, 'it sounds');
  let maxDiff = 0;
  for (let i = 0; i < plan.frames; i++) maxDiff = Math.max(maxDiff, Math.abs(moved.left[i]! - restored.left[i]!));
  assert.ok(maxDiff < 1e-6, `restored instance renders the same samples (max |diff| ${maxDiff})`);
  assert.deepEqual(restored.state, state, 'and reports the same state');
  // Not vacuous: the default instance sounds different.
  let freshDiff = 0;
  for (let i = 0; i < plan.frames; i++) freshDiff = Math.max(freshDiff, Math.abs(moved.left[i]! - fresh.left[i]!));
  assert.ok(freshDiff > 1e-2, `a default instance differs (max |diff| ${freshDiff})`);
});

test('morph automated while a note is held changes its sound; before the automation nothing changes', { skip, timeout: 180_000 }, async () => {
  const pitch = TEST_LOW + 3;
  const held = [midi([0x90, pitch, 127], 4800), midi([0x80, pitch, 0], 110000)];
  const autoAt = 0.8;
  const plan = { frames: 120000, sampleRateHz: RATE_HZ, initialState: OPTIONS };
  const still = await render({ ...plan, events: held });
  const morphed = await render({
    ...plan,
    events: [...held, { type: 'wam-automation', time: autoAt, data: { id: 'morph', value: 1, normalized: false } }],
    settleAtSec: [autoAt + 0.05],
  });
  assert.equal((morphed.state.parameterValues as Record<string, { value: number }>).morph!.value, 1, 'the automation reached the parameter');
  const at = Math.round(autoAt * RATE_HZ);
  let before = 0;
  for (let i = 0; i < at; i++) before = Math.max(before, Math.abs(still.left[i]! - morphed.left[i]!));
  assert.equal(before, 0, 'identical until the automation event');
  const from = Math.round((autoAt + 0.3) * RATE_HZ);
  const to = from + 24000;
  const diff = still.left.slice(from, to).map((v, i) => v - morphed.left[from + i]!);
  const level = rms(morphed.left, from, to);
  assert.ok(level > 1e-3, `the note still sounds after the morph (rms ${level})`);
  assert.ok(rms(diff, 0, diff.length) > 0.3 * rms(still.left, from, to), `and sounds different (rms of the difference ${rms(diff, 0, diff.length)} vs ${rms(still.left, from, to)})`);
});

test('MIDI moves the parameters: program change → preset, CC1 → morph, RPN 0 → bend range', { skip, timeout: 120_000 }, async () => {
  const value = (r: WamResult, id: string) => (r.state.parameterValues as Record<string, { value: number }>)[id]!.value;
  const program = await render({ frames: 9600, sampleRateHz: RATE_HZ, initialState: OPTIONS, events: [midi([0xc0, 2, 0], 256)] });
  assert.equal(value(program, 'preset'), 2);
  assert.equal(value(program, 'morph'), 2 / 3, 'the morph follows to the preset\'s place on the path (4 presets)');
  const wheel = await render({ frames: 9600, sampleRateHz: RATE_HZ, initialState: OPTIONS, events: [midi([0xb0, 1, 127], 256)] });
  assert.equal(value(wheel, 'morph'), 1);
  const rpn = [midi([0xb0, 101, 0], 256), midi([0xb0, 100, 0], 256), midi([0xb0, 6, 7], 256)];
  const bend = await render({ frames: 9600, sampleRateHz: RATE_HZ, initialState: OPTIONS, events: rpn });
  assert.equal(value(bend, 'bendRangeSemitones'), 7);
});

test('the GUI in the host page: status, presets, parameters both ways, keyboard through wam-midi', { skip, timeout: 120_000 }, async () => {
  const page = opened!.page;
  await page.evaluate((s) => window.wamGui(s), OPTIONS);
  const gui = page.locator('gansynth-wam-gui');
  await gui.waitFor();
  await page.waitForFunction(() => document.querySelector('gansynth-wam-gui')?.shadowRoot?.querySelector('gansynth-status-line')?.shadowRoot?.textContent?.includes('bank: 8/8'));
  const status = await page.evaluate(() => document.querySelector('gansynth-wam-gui')!.shadowRoot!.querySelector('gansynth-status-line')!.shadowRoot!.textContent!);
  assert.match(status, /backend: wasm/);
  assert.match(status, /model: tiny test model/);
  const options = await page.evaluate(() => Array.from(document.querySelector('gansynth-wam-gui')!.shadowRoot!.querySelectorAll('select[part=preset] option'), (o) => o.textContent));
  assert.deepEqual(options, ['seed 1', 'seed 2', 'seed 3', 'seed 4']);
  // GUI → host parameter: choosing a preset sets it, and the morph follows (polled back from the processor).
  await page.evaluate(() => {
    const sel = document.querySelector('gansynth-wam-gui')!.shadowRoot!.querySelector<HTMLSelectElement>('select[part=preset]')!;
    sel.value = '3';
    sel.dispatchEvent(new Event('change'));
  });
  await page.waitForFunction(() => document.querySelector('gansynth-wam-gui')!.shadowRoot!.querySelector<HTMLInputElement>('input[part=morph]')!.value === '1');
  await page.waitForFunction(() => document.querySelector('gansynth-wam-gui')?.shadowRoot?.querySelector('gansynth-status-line')?.shadowRoot?.textContent?.includes('bank: 8/8'));
  // The on-screen keyboard plays through the host's event path: a voice sounds while the key is down.
  const voices = () => page.evaluate(async () => (await window.wamGuiInstance.instrument.engine.stats()).activeVoices);
  assert.equal(await voices(), 0);
  const keys = (await gui.locator('gansynth-piano-keyboard').boundingBox())!;
  await page.mouse.move(keys.x + keys.width * 0.07, keys.y + keys.height * 0.85);
  await page.mouse.down();
  const t0 = Date.now();
  while ((await voices()) !== 1) {
    assert.ok(Date.now() - t0 < 10_000, 'a voice sounds within 10 s of the key press');
    await new Promise((r) => setTimeout(r, 50));
  }
  await page.mouse.up();
  await page.screenshot({ path: join(REPO_ROOT, '.test-out/wam-gui.png'), clip: (await gui.boundingBox())! });
});

test('pitch: a full bend up with bendRangeSemitones 12 plays the pitch\'s note an octave up (twice the rate), sample for sample', { skip, timeout: 120_000 }, async () => {
  const pitch = TEST_LOW + 1;
  const on = 6000;
  const events = [midi([0xe0, 0x7f, 0x7f], 2000), midi([0x90, pitch, 127], on), midi([0x80, pitch, 0], 40000)];
  const r = await render({
    frames: 48000, sampleRateHz: RATE_HZ, initialState: OPTIONS, events, parameters: { volumeDb: 0, bendRangeSemitones: 12 },
    bankPitches: [pitch],
  });
  const bank = r.bank[pitch]!;
  const attackFrames = Math.round(0.002 * RATE_HZ);
  // Bend +1 × 12 semitones = a ratio of exactly 2: output frame k reads buffer frame 2k (integer positions: exact).
  for (let k = attackFrames + 1; k < attackFrames + 2000; k++) {
    assert.ok(Math.abs(r.left[on + k]! - bank[2 * k]!) < 1e-5, `frame ${on + k} = note[${2 * k}] (${r.left[on + k]} vs ${bank[2 * k]})`);
  }
});
