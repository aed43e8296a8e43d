/**
 * A note flood and a preset-swap storm in real Chromium: `<gansynth-instrument>` with the seeded tiny model on the
 * main-thread renderer (wasm), its real AudioWorklet. Flood: FLOOD_NOTES_PER_SEC note-ons (random pitches, each off
 * 50 ms later) for FLOOD_SEC; storm: a preset change every STORM_INTERVAL_MS for STORM_SEC while two keys are held.
 * Afterwards every voice has ended, the event queue is empty, the last preset's bank completes and is selected, the
 * tensor count is back to its value before, the JS heap (after a forced GC) grew by less than HEAP_GROWTH_LIMIT_MB, and
 * no error was fired.
 */
import { join } from 'node:path';
import { browserSkipReason, openTestPage, REPO_ROOT } from '../support/browser-harness.ts';
import { bundleRuntime, writeTinyModel } from '../support/instrument-fixtures.ts';

const HEAP_GROWTH_LIMIT_MB = 8;

/** Figures of one storm run. */
export interface StormFigures {
  skipped?: string;
  notesSent: number;
  presetChanges: number;
  tensorsBefore: number;
  tensorsAfter: number;
  heapBeforeMb: number;
  heapAfterMb: number;
  stats: Record<string, number>;
  errors: string[];
  failures: string[];
}

/** Runs the flood (`floodSec` at `notesPerSec`) and the storm (`stormSec`, a change every `intervalMs`). */
export async function runBrowserStorm(o: { floodSec: number; notesPerSec: number; stormSec: number; intervalMs: number }): Promise<StormFigures> {
  const empty: StormFigures = { notesSent: 0, presetChanges: 0, tensorsBefore: 0, tensorsAfter: 0, heapBeforeMb: 0, heapAfterMb: 0, stats: {}, errors: [], failures: [] };
  const skip = browserSkipReason();
  if (skip) return { ...empty, skipped: skip };
  const [modelDir, staticDir] = await Promise.all([writeTinyModel(), bundleRuntime()]);
  const opened = await openTestPage(join(REPO_ROOT, 'faults/pages/storm-page.ts'), {
    extraMounts: [
      { prefix: '/tiny/', dir: modelDir },
      { prefix: '/worklet/', dir: join(staticDir, 'worklet') },
      { prefix: '/static/', dir: staticDir },
    ],
  });
  const { page } = opened;
  try {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const heapMb = async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      const { metrics } = await cdp.send('Performance.getMetrics');
      return (metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0) / 2 ** 20;
    };
    await page.waitForFunction(() => 'gsTest' in window && 'gsStorm' in window);
    // tsx compiles the callbacks below with a `__name` helper that the page lacks.
    await page.evaluate('window.__name = (f) => f');
    await page.evaluate(() => (window as any).gsTest.mount({ model: '/tiny/', attrs: { backend: 'wasm', 'wasm-path': '/wasm/', 'midi-input': 'none' } }));
    // Let the first bank settle, then the baseline.
    await page.waitForTimeout(500);
    const fig: StormFigures = { ...empty, tensorsBefore: await page.evaluate(() => (window as any).gsStorm.tensors()), heapBeforeMb: await heapMb() };

    fig.notesSent = await page.evaluate(async ({ floodSec, notesPerSec }) => {
      const el = (window as any).gsTest.el;
      let sent = 0;
      let seed = 1;
      const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
      const end = performance.now() + floodSec * 1000;
      while (performance.now() < end) {
        // 10 ms slices: notesPerSec/100 note-ons each, their note-offs 50 ms later.
        for (let i = 0; i < notesPerSec / 100; i++) {
          const p = 24 + Math.floor(rand() * 61);
          el.noteOn(p, 1 + Math.floor(rand() * 127));
          setTimeout(() => el.noteOff(p), 50);
          sent++;
        }
        await new Promise((r) => setTimeout(r, 10));
      }
      return sent;
    }, o);

    const storm = await page.evaluate(async ({ stormSec, intervalMs }) => {
      const g = (window as any).gsTest;
      const el = g.el;
      el.noteOn(60, 100);
      el.noteOn(64, 100);
      const count = el.presets.length;
      let changes = 0;
      let last = el.selectedPreset;
      const end = performance.now() + stormSec * 1000;
      while (performance.now() < end) {
        last = (last + 1) % count;
        void el.setPreset(last).catch(() => {}); // superseded changes reject or resolve false: both are fine here
        changes++;
        await new Promise((r) => setTimeout(r, intervalMs));
      }
      // The last change must complete: wait for its bank.
      const done = await el.setPreset(last);
      el.noteOff(60);
      el.noteOff(64);
      el.allNotesOff?.();
      return { changes, done, last, selected: el.selectedPreset };
    }, o);
    fig.presetChanges = storm.changes;
    if (!storm.done || storm.selected !== storm.last) fig.failures.push(`the last preset (${storm.last}) did not complete and stay selected (done ${storm.done}, selected ${storm.selected})`);

    await page.waitForTimeout(3000); // releases end
    fig.stats = await page.evaluate(() => (window as any).gsTest.stats());
    fig.tensorsAfter = await page.evaluate(() => (window as any).gsStorm.tensors());
    fig.heapAfterMb = await heapMb();
    fig.errors = await page.evaluate(() => (window as any).gsTest.events.filter((e: any) => e.type === 'error').map((e: any) => e.detail.message));
    if (fig.stats.activeVoices !== 0) fig.failures.push(`${fig.stats.activeVoices} voices still sounding after all notes ended`);
    if (fig.stats.queuedEvents !== 0) fig.failures.push(`${fig.stats.queuedEvents} events still queued`);
    if (fig.tensorsAfter !== fig.tensorsBefore) fig.failures.push(`tensors ${fig.tensorsBefore} → ${fig.tensorsAfter}`);
    if (fig.heapAfterMb - fig.heapBeforeMb > HEAP_GROWTH_LIMIT_MB) fig.failures.push(`JS heap grew ${(fig.heapAfterMb - fig.heapBeforeMb).toFixed(1)} MB (limit ${HEAP_GROWTH_LIMIT_MB})`);
    if (fig.errors.length) fig.failures.push(`errors fired: ${fig.errors.slice(0, 3).join(' | ')}`);
    return fig;
  } finally {
    await opened.close();
  }
}
