/**
 * AudioEngineController's side of issue 12 §1 and §4, in Node with a fake worklet port (no AudioContext needed):
 * the pedal / CC121 methods post exactly the protocol's messages at the frame of their context time, and a rendered
 * note is posted with its loop region and, from the second render of a pitch on, the phase alignment against the
 * note before it; a non-finite render is refused there, before any transfer.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BankMessage, ToWorklet } from '../../src/shared/protocol.ts';
import { AudioEngineController, type BankRenderer, type RenderBankOptions } from '../../src/ui/audio-engine-controller.ts';
import type { VoiceLink } from '../../src/ui/voice-link.ts';
import { findLoopRegion } from '../../src/shared/loop.ts';
import { syntheticNote } from './worklet-fixtures.ts';

const RATE_HZ = 48000;

/** A controller started on a voice link that records what it is sent (the settings it posts at start dropped). */
async function controller(): Promise<{ ctl: AudioEngineController; posted: ToWorklet[] }> {
  const posted: ToWorklet[] = [];
  const ctl = new AudioEngineController({ addController() {}, requestUpdate() {} } as never);
  const voices: VoiceLink = { node: { disconnect() {} } as never, post: (m) => posted.push(m), listen() {}, close() {} };
  await ctl.start({ audioContext: { sampleRate: RATE_HZ, state: 'running' } as never, voices });
  assert.deepEqual(posted.map((m) => m.type), ['config']);
  posted.length = 0;
  return { ctl, posted };
}

test('sostenuto, softPedal and resetControllers post the protocol messages, frame-timed like sustain', async () => {
  const { ctl, posted } = await controller();
  ctl.sostenuto(true, 1.5);
  ctl.sostenuto(false);
  ctl.softPedal(true, 0.25);
  ctl.softPedal(false);
  ctl.resetControllers(2);
  ctl.resetControllers();
  ctl.sustain(true, 1.5);
  assert.deepEqual(posted, [
    { type: 'sostenuto', down: true, frame: 72000 },
    { type: 'sostenuto', down: false },
    { type: 'softPedal', down: true, frame: 12000 },
    { type: 'softPedal', down: false },
    { type: 'resetControllers', frame: 96000 },
    { type: 'resetControllers' },
    { type: 'sustain', down: true, frame: 72000 },
  ]);
  assert.throws(() => ctl.resetControllers(-1), /context time/);
});

test('a re-rendered pitch is posted with the swap alignment against the previous note; NaN is refused before transfer', async () => {
  const { ctl, posted } = await controller();
  const renders: Float32Array[] = [];
  const renderer: BankRenderer = {
    backend: 'fake', latentSize: 1,
    async initialize() {},
    async renderBank(_latent: Float32Array, pitches: readonly number[], o: RenderBankOptions) {
      for (const p of pitches) o.onNote(p, renders.shift()!, RATE_HZ);
    },
    dispose() {},
  };
  ctl.useRenderer(renderer);
  ctl.bankPitches = [57];
  const first = syntheticNote(220, { partials: [[1, 1, 0], [2, 0.5, 1]] });
  const delayed = new Float32Array(first.length);
  delayed.set(first.subarray(0, first.length - 60), 60); // the same note 60 frames later
  renders.push(first, delayed);
  assert.equal(await ctl.renderLatent(new Float32Array(1)), true);
  assert.equal(await ctl.renderLatent(new Float32Array(1)), true);
  const banks = posted.filter((m): m is BankMessage => m.type === 'bank');
  assert.equal(banks.length, 2);
  assert.equal(banks[0]!.swap, undefined, 'a first render has nothing to align against');
  const swap = banks[1]!.swap!;
  assert.equal(swap.fromBankId, banks[0]!.bankId);
  assert.ok(Math.abs(swap.offsetFrames - 60) <= 1 && swap.correlation > 0.99, JSON.stringify(swap));
  assert.notEqual(banks[1]!.samples, delayed, 'the worklet gets a copy; the controller keeps its note for displays');
  // Both sides of the next line are the message's own loop object: the region itself is pinned to the note's.
  assert.deepEqual(ctl.notes.get(57)?.loop, banks[1]!.loop);
  assert.deepEqual(banks.map((b) => b.loop), [findLoopRegion(first, RATE_HZ), findLoopRegion(delayed, RATE_HZ)], 'each note is posted with its loop region');

  const bad = syntheticNote(220);
  bad[500] = NaN;
  renders.push(bad);
  await assert.rejects(ctl.renderLatent(new Float32Array(1)), /sample 500 is not finite/);
  assert.equal(posted.filter((m) => m.type === 'bank').length, 2, 'nothing posted');
});
