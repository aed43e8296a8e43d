/**
 * <gansynth-midi-renderer> in Chromium: a small MIDI file rendered with a tiny seeded model (tfjs wasm) through the
 * real voice worklet in an OfflineAudioContext: onsets and ends at the right frames, velocity levels, progress,
 * WAV link; a truncated file shows a clear error.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { TINY_CONFIG } from '../../src/shared/model-config.ts';
import { initGeneratorParams } from '../../src/engine/generator.ts';
import { saveModelDir } from '../../src/node/model-io.ts';
import { useNodeBackend } from '../../src/node/backends.ts';
import { REPO_ROOT, TEST_OUT_DIR, browserSkipReason, openTestPage, type OpenedPage } from '../../support/browser-harness.ts';
import { writeMidi } from '../../support/midi-fixtures.ts';

const skip = browserSkipReason();
const OUT = join(TEST_OUT_DIR, 'midi-render-browser');
let opened: OpenedPage | null = null;

/** dist/worklet/processor.js when built (npm test builds first); else the same source bundled here. */
async function workletDir(): Promise<string> {
  const dist = join(REPO_ROOT, 'dist/worklet');
  if (existsSync(join(dist, 'processor.js'))) return dist;
  const dir = join(OUT, 'worklet');
  await build({
    entryPoints: [join(REPO_ROOT, 'src/worklet/processor.ts')], bundle: true, format: 'esm', target: 'es2022',
    outfile: join(dir, 'processor.js'), logLevel: 'error',
  });
  return dir;
}

before(async () => {
  if (skip) return;
  await useNodeBackend('cpu');
  const model = join(OUT, 'model');
  await mkdir(OUT, { recursive: true });
  const params = initGeneratorParams(TINY_CONFIG, 11);
  await saveModelDir(model, { config: TINY_CONFIG, params, meta: { name: 'midi-render browser test model' } });
  Object.values(params).forEach((t) => t.dispose());
  opened = await openTestPage(join(REPO_ROOT, 'test/browser/pages/midi-render.ts'), {
    extraMounts: [{ prefix: '/model/', dir: model }, { prefix: '/worklet/', dir: await workletDir() }],
  });
  await opened.page.waitForFunction(() => window.midiPageReady === true, undefined, { timeout: 30_000 });
});

after(async () => {
  await opened?.close();
});

function soundRuns(x: readonly number[], threshold: number, minGap: number): [number, number][] {
  const runs: [number, number][] = [];
  let start = -1;
  let lastLoud = -Infinity;
  x.forEach((v, i) => {
    if (Math.abs(v) <= threshold) return;
    if (start < 0 || i - lastLoud > minGap) {
      if (start >= 0) runs.push([start, lastLoud + 1]);
      start = i;
    }
    lastLoud = i;
  });
  if (start >= 0) runs.push([start, lastLoud + 1]);
  return runs;
}

test('the element renders a .mid through the real worklet offline: onsets, ends, levels at 48 kHz', { skip }, async () => {
  const notes = [
    { pitch: 48, startSec: 0.25, durationSec: 0.3, velocity: 1 },
    { pitch: 48, startSec: 0.9, durationSec: 0.3, velocity: 64 / 127 },
    { pitch: 55, startSec: 1.55, durationSec: 0.3, velocity: 1 }, // its buffer arrives mid-render (suspend/resume)
  ];
  const rateHz = 48000;
  const r = await opened!.page.evaluate(({ n, rate }) => window.runMidiRender(n, rate), { n: notes, rate: rateHz });
  if ('error' in r) assert.fail(`render failed: ${r.error}\n${opened!.consoleLines.join('\n')}`);
  assert.equal(r.sampleRateHz, rateHz);
  assert.equal(r.notes, 3);
  assert.equal(r.renders, 2, 'two pitches on one preset: two renders');
  const peak = Math.max(...r.samples.map(Math.abs));
  assert.ok(Math.abs(peak - 10 ** (-1 / 20)) < 1e-4, `peak-normalised to -1 dBFS, got ${peak}`);
  const hop = (512 * rateHz) / 16000;
  const runs = soundRuns(r.samples, peak * 1e-4, Math.round(0.05 * rateHz));
  assert.equal(runs.length, 3, `3 notes, got ${JSON.stringify(runs)}`);
  runs.forEach(([a, b], i) => {
    const n = notes[i]!;
    assert.ok(Math.abs(a - n.startSec * rateHz) <= hop, `onset ${i} at frame ${a}, want ${n.startSec * rateHz} ± ${hop}`);
    const end = (n.startSec + n.durationSec + 0.3) * rateHz;
    assert.ok(Math.abs(b - end) <= hop, `end ${i} at frame ${b}, want ${end} ± ${hop}`);
  });
  const seg = (i: number) => Math.max(...r.samples.slice(runs[i]![0], runs[i]![1]).map(Math.abs));
  assert.ok(Math.abs(seg(1) / seg(0) - (64 / 127) ** 2) < 0.01, `velocity gain ${seg(1) / seg(0)}`);
  assert.ok(r.progressSeen.some((p) => p > 0 && p < 1), `progress in between: ${r.progressSeen}`);
  assert.ok(r.progressSeen.every((p, i) => i === 0 || p >= r.progressSeen[i - 1]!), `progress never goes back: ${r.progressSeen}`);
  assert.equal(r.progressSeen.at(-1), 1);
  assert.match(r.wavHref, /^blob:/, 'WAV download link');
  assert.match(r.status, /3 notes \(2 rendered\)/);
  console.log(`browser MIDI render: ${r.notes} notes, ${r.msPerNote.toFixed(0)} ms/note synth, ${r.totalMs.toFixed(0)} ms total`);
});

test('worklet (OfflineAudioContext) and Node VoiceEngine driver make the same mix, bank changes included', { skip }, async () => {
  // Latents every 0.5 s: each note its own render, so the worklet gets a bank message per note mid-render.
  const notes = [
    { pitch: 50, startSec: 0.1, durationSec: 0.4, velocity: 0.9 },
    { pitch: 50, startSec: 0.6, durationSec: 0.2, velocity: 0.5 },
    { pitch: 50, startSec: 0.75, durationSec: 4.5, velocity: 1 }, // overlaps the previous one; looped past 4 s
  ];
  const r = await opened!.page.evaluate(({ n }) => window.compareMixers(n, 16000), { n: notes });
  assert.ok(r.peak > 0);
  assert.ok(r.stretches >= 3, `bank changes split the schedule (${r.stretches} stretches)`);
  assert.ok(r.maxDiff <= 1e-6 * r.peak, `worklet vs VoiceEngine: max diff ${r.maxDiff} (peak ${r.peak})`);
  console.log(`worklet vs VoiceEngine mix: max |diff| ${r.maxDiff} at peak ${r.peak.toExponential(3)}, ${r.stretches} stretches`);
});

test('a truncated .mid shows a clear error in the element', { skip }, async () => {
  const good = writeMidi([{ notes: [{ pitch: 60, startSec: 0, durationSec: 1 }] }]);
  const bad = Array.from(good.slice(0, good.length - 4));
  const r = await opened!.page.evaluate(({ b }) => window.runMidiRender([], 16000, b), { b: bad });
  assert.ok('error' in r, 'render rejected');
  assert.match(r.error, /truncated MIDI file.*\| shown: truncated MIDI file/);
});
