/**
 * Preset-swap bench: the time from a preset change to the first note of the new timbre heard. In Chromium, the
 * instrument as the browser tests drive it (support/pages/instrument-page.ts `swapToAudible`): a real
 * AudioWorklet, the render Worker, a player striking one pitch over (fake) Web MIDI every 60 ms while `setPreset`
 * runs; each strike is classified as old or new timbre by correlation with the two rendered buffers. `renderedMs`
 * is the change → that strike's first sample on the context clock; the row's value adds the element's `latencyMs`
 * (AudioContext base + output latency; no MIDI budget), i.e. when it is heard. The struck pitch was played just
 * before, so it renders first (render-order.ts): the number is one note's render plus the audio path, at most a
 * strike period (60 ms) late. The bank is a sub-range (`PRESET_SWAP_RANGE`): it does not change the first note's
 * time, only how long each repeat waits for the bank to complete.
 *
 * Env:
 *   PRESET_SWAP_MODELS=tiny,paper    (tiny: the tests' seeded tiny model; paper: models/default, seeded, untrained)
 *   PRESET_SWAP_BACKEND=wasm         (the element's `backend`; empty: its auto choice)
 *   PRESET_SWAP_REPEATS=3            (swaps per model, each to another preset; the row holds the median)
 *   PRESET_SWAP_RANGE=57-64          (the bank's low-high pitches)
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, browserSkipReason } from '../support/browser-harness.ts';
import { openInstrumentPage } from '../support/instrument-fixtures.ts';
import { othersCpu } from './first-sound.bench.ts';
import type { BenchRow } from './types.ts';

const SUITE = 'preset-swap';
const PITCH = 60;
const STRIKE_MS = 60;
const MODELS: Record<string, string> = { tiny: '/tiny/', paper: '/models/default/' };

interface Swap {
  complete: boolean;
  renderedMs: number;
  audibleMs: number;
  latencyMs: number;
  bankMs: number;
  buffersCorrelation: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Swaps `repeats` times with `model` and returns the measurements (and the backend used). */
async function measure(model: string, backend: string, range: [number, number], repeats: number): Promise<{ backend: string; swaps: Swap[]; firstBankMs: number }> {
  const opened = await openInstrumentPage({ extraMounts: [{ prefix: '/models/', dir: join(REPO_ROOT, 'models') }] });
  try {
    const page = opened.page;
    const attrs = { 'wasm-path': '/wasm/', low: String(range[0]), high: String(range[1]), ...(backend ? { backend } : {}) };
    const firstBankMs = await page.evaluate(({ model, attrs }) => (window as any).gsTest.mount({ model, workerUrl: '/static/render-worker.js', attrs }), { model, attrs });
    const swaps: Swap[] = [];
    for (let i = 0; i < repeats; i++) {
      // The player has just played the pitch: it is the most recent one, so it renders first.
      await page.evaluate((p) => {
        (window as any).fakeMidi.send('fake-1', [0x90, p, 100]);
        (window as any).fakeMidi.send('fake-1', [0x80, p, 0]);
      }, PITCH);
      swaps.push(await page.evaluate(({ preset, pitch, strikeMs }) => (window as any).gsTest.swapToAudible(preset, pitch, strikeMs), { preset: (i + 1) % 4, pitch: PITCH, strikeMs: STRIKE_MS }));
    }
    return { backend: await page.evaluate(() => (window as any).gsTest.el.engineState.backend as string), swaps, firstBankMs };
  } finally {
    await opened.close();
  }
}

/** One row per model in PRESET_SWAP_MODELS (see the module comment). */
export async function run(progress?: (rows: readonly BenchRow[]) => void): Promise<BenchRow[]> {
  const skip = browserSkipReason();
  if (skip) throw new Error(`preset-swap bench: ${skip}`);
  const models = (process.env.PRESET_SWAP_MODELS ?? 'tiny,paper').split(',').map((s) => s.trim()).filter(Boolean);
  const backend = process.env.PRESET_SWAP_BACKEND ?? 'wasm';
  const repeats = Number(process.env.PRESET_SWAP_REPEATS ?? 3);
  const m = /^(\d+)-(\d+)$/.exec(process.env.PRESET_SWAP_RANGE ?? '57-64');
  if (!m) throw new Error('PRESET_SWAP_RANGE must be LOW-HIGH, e.g. 57-64');
  const range: [number, number] = [Number(m[1]), Number(m[2])];
  const rows: BenchRow[] = [];
  for (const name of models) {
    const url = MODELS[name];
    if (!url) throw new Error(`PRESET_SWAP_MODELS: unknown model '${name}' (${Object.keys(MODELS).join(', ')})`);
    const load = [loadavg()[0]!];
    const others = othersCpu();
    const r = await measure(url, backend, range, repeats);
    const othersPct = others.stop();
    load.push(loadavg()[0]!);
    const heard = r.swaps.filter((s) => s.complete && Number.isFinite(s.audibleMs));
    if (heard.length === 0) throw new Error(`preset-swap bench (${name}): no swap was heard with the new timbre`);
    const row: BenchRow = {
      suite: SUITE, name: `preset change → new timbre heard (${name}, ${range[1] - range[0] + 1}-pitch bank)`, backend: `chromium-${r.backend}`,
      value: median(heard.map((s) => s.audibleMs)), unit: 'ms',
      extra: {
        runsAudibleMs: r.swaps.map((s) => Math.round(s.audibleMs)), runsRenderedMs: r.swaps.map((s) => Math.round(s.renderedMs)),
        latencyMs: r.swaps[0]?.latencyMs, bankMs: r.swaps.map((s) => Math.round(s.bankMs)), firstBankMs: Math.round(r.firstBankMs),
        strikeMs: STRIKE_MS, pitch: PITCH, buffersCorrelation: r.swaps.map((s) => Number(s.buffersCorrelation.toFixed(2))),
        loadAvg1m: load, othersCpuPct: othersPct,
      },
    };
    console.log(`preset-swap ${name}: heard ${r.swaps.map((s) => Math.round(s.audibleMs)).join(', ')} ms (rendered ${r.swaps.map((s) => Math.round(s.renderedMs)).join(', ')}; latency ${r.swaps[0]?.latencyMs.toFixed(1)} ms); banks ${r.swaps.map((s) => Math.round(s.bankMs)).join(', ')} ms; others' CPU ${othersPct?.toFixed(0) ?? '?'} %`);
    rows.push(row);
    progress?.(rows);
  }
  return rows;
}
