/**
 * Streaming note buffers: renders are synthesised in chunks as the mix reaches them and dropped after their last
 * use, and the mix does not depend on the chunk size. A plain sine synth (pitch → tone, latent → level) stands in
 * for the model so the test checks the plumbing exactly and fast; the model path is covered by midi-render.test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamingNoteSource, renderMidi, type NoteSynth, type NoteRequest } from '../../src/midi/midi-render.ts';
import { mixWithVoiceEngine } from '../../src/node/midi-mix.ts';
import { writeMidi } from '../../support/midi-fixtures.ts';

/** A deterministic synth: 1 s sine at the pitch's frequency, level from the latent's first value. */
function sineSynth(log: number[]): NoteSynth {
  return {
    latentSize: 4,
    async renderNotes(requests: readonly NoteRequest[], rateHz: number) {
      log.push(requests.length);
      return requests.map((r) => {
        const f = 440 * 2 ** ((r.pitch - 69) / 12);
        const level = 0.1 + Math.abs(r.latent[0]!) / 10;
        return Float32Array.from({ length: rateHz }, (_, i) => level * Math.sin((2 * Math.PI * f * i) / rateHz));
      });
    },
  };
}

test('the source synthesises on demand in chunks and forgets released renders', async () => {
  const log: number[] = [];
  const reqs = Array.from({ length: 5 }, (_, i) => ({ latent: new Float32Array(4).fill(i), pitch: 60 + i }));
  const src = new StreamingNoteSource(sineSynth(log), reqs, 16000, 2);
  assert.equal(src.rendered, 0);
  await src.get(0);
  assert.deepEqual(log, [2]);
  await src.get(1);
  assert.deepEqual(log, [2], 'already rendered');
  await src.get(4); // needs 2..4: one chunk reaching index 4
  assert.deepEqual(log, [2, 3]);
  src.release(1);
  await assert.rejects(src.get(1), /used after its release/);
  await assert.rejects(src.get(5), /no render 5/);
  assert.equal(src.peakHeld, 5);
});

test('a long piece holds few buffers at once, and the mix is the same for any chunk size', async () => {
  // 12 notes one after another, each its own pitch: with chunks of 2, only a few renders are alive at once.
  const notes = Array.from({ length: 12 }, (_, i) => ({ pitch: 48 + i, startSec: i * 0.5, durationSec: 0.4 }));
  const midi = writeMidi([{ notes }]);
  const opts = { latents: { kind: 'random' as const, seed: 1 }, gain: 0 };
  const small = await renderMidi(midi, sineSynth([]), mixWithVoiceEngine, opts, undefined, 2);
  const big = await renderMidi(midi, sineSynth([]), mixWithVoiceEngine, opts, undefined, 100);
  assert.equal(small.plan.requests.length, 12);
  assert.ok(small.peakBuffersHeld <= 4, `held at most ${small.peakBuffersHeld}`);
  assert.equal(big.peakBuffersHeld, 12);
  assert.deepEqual(small.samples, big.samples);
});
