/**
 * The real `gansynth-voices` AudioWorklet in Chromium (OfflineAudioContext, 48 kHz): cosine note buffers at their
 * pitches, notes scheduled at absolute frames, rendered offline. Onsets land on their frames exactly (± 0, and the
 * first samples equal the buffer), each note has its f0, a bend moves it, and the output is silent after the release.
 * The processor is bundled from source here, so the test checks the current code, not a stale dist/.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { build } from 'esbuild';
import { estimateF0Hz, midiToHz } from '../../src/shared/pitch.ts';
import type { ToWorklet } from '../../src/shared/protocol.ts';
import { REPO_ROOT, TEST_OUT_DIR, browserSkipReason, openTestPage, type OpenedPage } from '../../support/browser-harness.ts';
import type { WorkletPlan, WorkletResult } from './pages/worklet-offline.ts';

const skip = browserSkipReason();
const RATE_HZ = 48000;
const RELEASE_SEC = 0.1;
let opened: OpenedPage | null = null;

before(async () => {
  if (skip) return;
  const workletDir = join(TEST_OUT_DIR, 'worklet-offline', 'worklet');
  await build({
    entryPoints: [join(REPO_ROOT, 'src/worklet/processor.ts')],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    outfile: join(workletDir, 'processor.js'),
    logLevel: 'error',
  });
  opened = await openTestPage(join(REPO_ROOT, 'test/browser/pages/worklet-offline.ts'), {
    extraMounts: [{ prefix: '/worklet/', dir: workletDir }],
  });
  await opened.page.waitForFunction(() => window.workletPageReady === true, undefined, { timeout: 30_000 });
});

after(async () => {
  await opened?.close();
});

async function renderPlan(plan: WorkletPlan): Promise<WorkletResult> {
  const result = await opened!.page.evaluate((p) => window.renderWorkletPlan(p), plan);
  const errors = result.replies.filter((m) => m.type === 'error');
  assert.deepEqual(errors, [], `worklet errors; console: ${opened!.consoleLines.join('\n')}`);
  return result;
}

test('real worklet, offline: onsets on their frames, f0 per note, bend, silence after release', { skip, timeout: 60_000 }, async () => {
  // Three notes one after another (frames chosen mid-quantum and on a quantum edge), a bend on the last.
  const notes = [
    { pitch: 57, on: 4837, off: 24000 }, // 220 Hz; 4837 = 37 × 128 + 101
    { pitch: 69, on: 30720, off: 50000 }, // 440 Hz; 30720 = 240 × 128
    { pitch: 76, on: 55555, off: 90000, shared: true }, // 659 Hz from a SharedArrayBuffer bank
  ];
  const events: ToWorklet[] = [];
  for (const n of notes) {
    events.push({ type: 'noteOn', pitch: n.pitch, velocity: 127, frame: n.on });
    events.push({ type: 'noteOff', pitch: n.pitch, frame: n.off });
  }
  events.push({ type: 'pitchBend', value: 0.5, frame: 72000 }); // +1 semitone (range ±2)
  const plan: WorkletPlan = {
    sampleRateHz: RATE_HZ,
    frames: 100000,
    config: { attackSec: 0, releaseSec: RELEASE_SEC },
    banks: notes.map((n) => ({ pitch: n.pitch, hz: midiToHz(n.pitch), shared: n.shared ?? false })),
    events,
  };
  const r = await renderPlan(plan);
  assert.ok(r.crossOriginIsolated, 'the harness serves COOP/COEP, so the SharedArrayBuffer path is exercised');
  assert.ok(r.channelsIdentical, 'mono mix on both channels');
  const x = Float32Array.from(r.left);
  const releaseFrames = RELEASE_SEC * RATE_HZ;
  let silentFrom = 0;
  for (const [j, n] of notes.entries()) {
    for (let i = silentFrom; i < n.on; i++) assert.equal(x[i], 0, `frame ${i} before the onset of ${n.pitch} at ${n.on} is silent`);
    const bank = r.bankSamples[n.pitch]!;
    for (let k = 0; k < 256; k++) {
      assert.ok(Math.abs(x[n.on + k]! - bank[k]!) < 1e-6, `pitch ${n.pitch}: frame ${n.on + k} = buffer[${k}] (${x[n.on + k]} vs ${bank[k]})`);
    }
    const f0 = estimateF0Hz(x, RATE_HZ, { start: n.on + 4800, windowSamples: 4096, minHz: 50 });
    assert.ok(Math.abs(f0 / midiToHz(n.pitch) - 1) < 0.005, `pitch ${n.pitch}: f0 ${f0} vs ${midiToHz(n.pitch)}`);
    silentFrom = n.off + releaseFrames;
    const tail = x.subarray(silentFrom, notes[j + 1]?.on ?? x.length);
    assert.ok(tail.length > 500);
    assert.ok(tail.every((v) => Math.abs(v) < 10 ** (-90 / 20)), `pitch ${n.pitch}: silent (< -90 dB) after its release`);
  }
  const bent = estimateF0Hz(x, RATE_HZ, { start: 76000, windowSamples: 4096, minHz: 50 });
  assert.ok(Math.abs(bent / midiToHz(77) - 1) < 0.005, `bent f0 ${bent} vs ${midiToHz(77)}`);
  const stats = r.replies.find((m) => m.type === 'stats');
  assert.equal(stats?.type === 'stats' && stats.queuedEvents, events.length, 'every event was queued before rendering');
});
