/**
 * "No allocation on the audio path" (STYLE.md §5), measured: 10,000 quanta of process() with ~8 events each (notes
 * on and off past the polyphony cap so voices are stolen, sustain, sostenuto, soft pedal, bends, all-notes-off,
 * reset-all-controllers) and phase-aligned bank swaps every batch (held voices follow the swap curve in process()), and the V8 heap must not
 * grow nor collect garbage meanwhile. The same harness run on an engine that allocates one small array per quantum
 * must fail, proving the probe can see an allocation. The verdict is the median heap growth per 500-quantum batch:
 * a per-quantum allocation shows in every batch (≥ 16 B × 500), while V8 installing freshly optimised code (counted in
 * heapUsed, and late on a loaded machine) shows as an occasional spike.
 * Events are queued through handleMessage (the port handler, where the structured clone allocates anyway) in
 * batches before each measured stretch, so only process() is inside the measurement.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { ToWorklet } from '../../src/shared/protocol.ts';
import { SeededRandom } from '../../src/shared/random.ts';
import { findSwapAlignment } from '../../src/shared/swap-align.ts';
import { VoiceEngine } from '../../src/worklet/voice-engine.ts';
import { RATE_HZ, bankMessage, syntheticNote } from './worklet-fixtures.ts';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const QUANTA_PER_BATCH = 500; // × 8 events = 4000 ≤ the event queue's 4096
const WARMUP_BATCHES = 10;
const BATCHES = 20; // 10,000 quanta measured
/** Median growth allowed per batch: the ~0.3 kB process.memoryUsage() itself costs, far under one HeapNumber per quantum (8 kB). */
const MAX_MEDIAN_GROWTH_BYTES = 1024;

interface Probe {
  medianGrowthBytes: number;
  batchGrowthBytes: number[];
}

class AllocatingEngine extends VoiceEngine {
  sink: unknown = null;
  override process(channels: readonly Float32Array[], quantumStartFrame?: number): boolean {
    this.sink = [quantumStartFrame]; // the kind of slip the probe must catch
    return super.process(channels, quantumStartFrame);
  }
}

function probe(engine: VoiceEngine): Probe {
  const rng = new SeededRandom(11);
  const note = syntheticNote(220, { durationSec: 1, releaseSec: 0.1, amplitude: 0.05 });
  const other = syntheticNote(220, { durationSec: 1, releaseSec: 0.1, amplitude: -0.05 });
  for (let p = 40; p < 72; p++) engine.handleMessage(bankMessage(p, note.slice()));
  // Swaps alternate the two buffers (bank ids 1 and 2) on a few pitches, each aligned against the other, as the
  // controller sends them; several per batch so the swap-curve path is as warm as the rest when measuring starts.
  const SWAP_PITCHES = [45, 50, 57, 62];
  const swaps = SWAP_PITCHES.map((pitch) => [bankMessage(pitch, other, 2), bankMessage(pitch, note, 1)].map((m, i, all) => {
    const from = all[1 - i]!;
    return { ...m, swap: findSwapAlignment({ samples: from.samples, sampleRateHz: RATE_HZ, bankId: from.bankId, loop: from.loop }, m.samples, RATE_HZ, pitch)! };
  }));
  const channels = [new Float32Array(128), new Float32Array(128)];
  const batchGrowthBytes: number[] = [];
  let frame = 0;
  for (let batch = -WARMUP_BATCHES; batch < BATCHES; batch++) {
    // Queue this batch's events (allocating is fine here: this is the message handler's side).
    for (let q = 0; q < QUANTA_PER_BATCH; q++) {
      const base = frame + q * 128;
      for (let e = 0; e < 8; e++) {
        const at = base + rng.nextInt(128);
        const pitch = 40 + rng.nextInt(32);
        const r = rng.next();
        const m: ToWorklet =
          r < 0.45 ? { type: 'noteOn', pitch, velocity: 1 + rng.nextInt(127), frame: at }
          : r < 0.8 ? { type: 'noteOff', pitch, frame: at }
          : r < 0.86 ? { type: 'sustain', down: rng.next() < 0.5, frame: at }
          : r < 0.88 ? { type: 'sostenuto', down: rng.next() < 0.5, frame: at }
          : r < 0.9 ? { type: 'softPedal', down: rng.next() < 0.5, frame: at }
          : r < 0.99 ? { type: 'pitchBend', value: 2 * rng.next() - 1, frame: at }
          : r < 0.995 ? { type: 'allNotesOff', frame: at }
          : { type: 'resetControllers', frame: at };
        engine.handleMessage(m);
      }
    }
    // Bank swaps on arrival: held voices of those pitches start their swap curves, which run inside process().
    for (const [i, pitch] of SWAP_PITCHES.entries()) {
      const m = swaps[i]![(batch + WARMUP_BATCHES) % 2]!;
      engine.handleMessage({ ...m, samples: m.samples.slice() });
      engine.handleMessage({ type: 'noteOn', pitch, velocity: 100, frame: frame + 64 + 16 * i });
    }
    gc();
    const h0 = process.memoryUsage().heapUsed;
    for (let q = 0; q < QUANTA_PER_BATCH; q++) {
      engine.process(channels, frame);
      frame += 128;
    }
    const h1 = process.memoryUsage().heapUsed;
    if (batch >= 0) batchGrowthBytes.push(h1 - h0); // negative batches warm the JIT up
  }
  assert.ok(engine.stats.stolenVoices > 1000 && engine.stats.peakVoices > 16, 'the run must exercise stealing');
  assert.ok(engine.stats.crossfadedVoices > 2 * BATCHES, `the run must exercise swaps (${engine.stats.crossfadedVoices})`);
  const sorted = [...batchGrowthBytes].sort((a, b) => a - b);
  return { medianGrowthBytes: sorted[sorted.length >> 1]!, batchGrowthBytes };
}

test('process() allocates nothing over 10,000 quanta with events (and the probe sees a one-array-per-quantum slip)', () => {
  const config = { polyphony: 16, releaseSec: 0.05 }; // few voices keep the test fast; stealing still happens constantly
  const clean = probe(new VoiceEngine(RATE_HZ, () => {}, config));
  const slip = probe(new AllocatingEngine(RATE_HZ, () => {}, config));
  const report = `clean: ${JSON.stringify(clean)}, allocating: ${JSON.stringify(slip)}`;
  if (process.env.WORKLET_ALLOC_REPORT) console.log(report);
  assert.ok(slip.medianGrowthBytes > 4 * MAX_MEDIAN_GROWTH_BYTES, `the probe must catch the allocating engine; ${report}`);
  assert.ok(clean.medianGrowthBytes <= MAX_MEDIAN_GROWTH_BYTES, `the heap grows inside process(); ${report}`);
});

test('a swapped-out buffer is held while a voice plays it and can be collected once that voice ends', async () => {
  const engine = new VoiceEngine(RATE_HZ, () => {}, { releaseSec: 0.01, swapCrossfadeSec: 0 });
  const channels = [new Float32Array(128)];
  // In a plain function: an async function's suspended frame would keep its own locals alive.
  const oldRef = ((): WeakRef<Float32Array> => {
    const old = syntheticNote(220, { durationSec: 0.5, releaseSec: 0.1 });
    engine.handleMessage(bankMessage(57, old, 1));
    engine.handleMessage({ type: 'noteOn', pitch: 57, velocity: 100 });
    engine.process(channels);
    engine.handleMessage(bankMessage(57, syntheticNote(330, { durationSec: 0.5, releaseSec: 0.1 }), 2));
    return new WeakRef(old);
  })();
  const collected = (): Promise<boolean> => collectedAfterGc(oldRef);
  for (let q = 0; q < 10; q++) engine.process(channels);
  assert.equal(await collected(), false, 'the sounding voice still reads the old buffer');
  engine.handleMessage({ type: 'noteOff', pitch: 57 });
  for (let q = 0; q < 10; q++) engine.process(channels); // 10 ms release
  assert.equal(engine.stats.activeVoices, 0);
  assert.equal(await collected(), true, 'nothing keeps the old buffer alive after its last voice');
});

test('with the swap crossfade, the old buffer can be collected once the crossfade ends, the note still held', async () => {
  const engine = new VoiceEngine(RATE_HZ, () => {}, { swapCrossfadeSec: 0.02 });
  const channels = [new Float32Array(128)];
  const oldRef = ((): WeakRef<Float32Array> => {
    const old = syntheticNote(220, { durationSec: 0.5, releaseSec: 0.1 });
    engine.handleMessage(bankMessage(57, old, 1));
    engine.handleMessage({ type: 'noteOn', pitch: 57, velocity: 100 });
    engine.process(channels);
    engine.handleMessage(bankMessage(57, syntheticNote(330, { durationSec: 0.5, releaseSec: 0.1 }), 2));
    return new WeakRef(old);
  })();
  const collected = (): Promise<boolean> => collectedAfterGc(oldRef);
  engine.process(channels);
  assert.equal(await collected(), false, 'the fading voice still reads the old buffer');
  for (let q = 0; q < 10; q++) engine.process(channels); // 20 ms crossfade = 7.5 quanta
  assert.equal(engine.stats.activeVoices, 1, 'one voice, on the new buffer');
  assert.equal(await collected(), true, 'nothing keeps the old buffer alive after the crossfade');
});

/**
 * Whether `ref`'s target is gone after a full GC, tried up to 5 times, each after the current job has ended (WeakRef
 * targets survive until then): one gc() call does not always free an object that V8's optimised code or a pending
 * job still touched (a clean-clone CI run once saw it survive one call). Something that keeps the buffer alive keeps
 * it through all five.
 */
async function collectedAfterGc(ref: WeakRef<object>): Promise<boolean> {
  for (let attempt = 0; attempt < 5; attempt++) {
    await new Promise((ok) => setImmediate(ok));
    gc();
    if (ref.deref() === undefined) return true;
  }
  return false;
}
