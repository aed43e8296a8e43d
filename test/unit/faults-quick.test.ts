/**
 * The fast subset of the fault suite (faults/, `npm run faults` runs it at full size): MIDI fuzzing, the model-file
 * corruption matrix, kill -9 of train / export / render, disk full on a tmpfs (skipped without root) and a note flood
 * plus preset storm in Chromium (skipped without Chromium). Every case must pass and no byte may be lost.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SIZES, runFaultSuite } from '../../faults/run.ts';

test('fault suite, quick size: every case passes, nothing lost, nothing leaked', { timeout: 600_000 }, async () => {
  const r = await runFaultSuite('quick');
  console.log(`# faults (quick): ${r.summary.casesPassed}/${r.summary.casesTried} cases, kills survived ${r.summary.killsSurvived}/${r.summary.kills}, bytes lost ${r.summary.bytesLost}` +
    `${r.diskFull.skipped ? `; disk full skipped: ${r.diskFull.skipped}` : ''}${r.storm.skipped ? `; storm skipped: ${r.storm.skipped}` : ''}`);
  assert.deepEqual(r.summary.failures, []);
  assert.equal(r.midi.fileCases, SIZES.quick.midiFiles);
  assert.equal(r.midi.parsed + r.midi.cleanErrors, r.midi.fileCases);
  assert.ok(r.midi.parsed > 0 && r.midi.cleanErrors > 0, 'the mutations produce both readable and broken files');
  assert.ok(r.modelFiles.cleanErrors >= 30, `most corruptions are errors naming the file (${r.modelFiles.cleanErrors})`);
  assert.equal(r.summary.kills, SIZES.quick.kills.train + SIZES.quick.kills.export + SIZES.quick.kills.render);
  assert.equal(r.summary.killsSurvived, r.summary.kills);
  assert.equal(r.summary.bytesLost, 0);
  if (!r.storm.skipped) {
    assert.ok(r.storm.notesSent > 300, `the flood sent notes (${r.storm.notesSent})`);
    assert.equal(r.storm.tensorsAfter, r.storm.tensorsBefore);
  }
});
