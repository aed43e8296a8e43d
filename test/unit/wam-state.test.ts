/**
 * The WAM plugin's boundary (src/wam/state.ts, params.ts): a host's state is checked field by field with errors that
 * name the field; the parameter table is what the SDK accepts (a one-preset bank included).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PARAM, SILENT_DB, dbToGain, paramSpecs } from '../../src/wam/params.ts';
import { parseWamState } from '../../src/wam/state.ts';

test('parseWamState: empty states restore nothing; fields pass through', () => {
  assert.deepEqual(parseWamState(undefined), {});
  assert.deepEqual(parseWamState(null), {});
  const pv = { morph: { id: 'morph', value: 0.5, normalized: false } };
  assert.deepEqual(parseWamState({ model: '/m/', presetBank: '{}', parameterValues: pv, lowPitch: 48, highPitch: 72, backend: 'wasm' }),
    { model: '/m/', presetBank: '{}', parameterValues: pv, lowPitch: 48, highPitch: 72, backend: 'wasm' });
});

test('parseWamState: each bad field is named', () => {
  assert.throws(() => parseWamState('x'), /GANSynth WAM state must be an object/);
  assert.throws(() => parseWamState({ model: 3 }), /"model" must be a non-empty string, got 3/);
  assert.throws(() => parseWamState({ presetBank: '' }), /"presetBank" must be a non-empty string/);
  assert.throws(() => parseWamState({ lowPitch: 12 }), /"lowPitch" must be a MIDI pitch 24..84, got 12/);
  assert.throws(() => parseWamState({ highPitch: 60.5 }), /"highPitch" must be a MIDI pitch/);
  assert.throws(() => parseWamState({ lowPitch: 70, highPitch: 60 }), /"lowPitch" 70 is above "highPitch" 60/);
  assert.throws(() => parseWamState({ parameterValues: [] }), /"parameterValues" must be an object/);
  assert.throws(() => parseWamState({ parameterValues: { morph: { value: 'a' } } }), /"parameterValues.morph.value" must be a finite number, got "a"/);
  assert.throws(() => parseWamState({ parameterValues: { morph: { value: Number.NaN } } }), /parameterValues.morph.value/);
});

test('paramSpecs: five parameters in range; a one-preset bank still has a valid choice', () => {
  const specs = paramSpecs(['a', 'b', 'c']);
  assert.deepEqual(specs.map((s) => s.id), [PARAM.morph, PARAM.preset, PARAM.volumeDb, PARAM.releaseSec, PARAM.bendRangeSemitones]);
  for (const s of specs) {
    assert.ok(s.minValue < s.maxValue, `${s.id}: min < max (the SDK refuses otherwise)`);
    assert.ok(s.defaultValue >= s.minValue && s.defaultValue <= s.maxValue, `${s.id}: default in range`);
  }
  assert.deepEqual(specs[1]!.choices, ['a', 'b', 'c']);
  assert.equal(specs[1]!.maxValue, 2);
  const one = paramSpecs(['only'])[1]!;
  assert.deepEqual(one.choices, ['only', 'only']);
  assert.equal(one.maxValue, 1);
  assert.throws(() => paramSpecs([]), /at least one preset/);
});

test('dbToGain: 0 dB is 1, -6 dB about a half, the fader bottom is silence', () => {
  assert.equal(dbToGain(0), 1);
  assert.ok(Math.abs(dbToGain(-6) - 0.501) < 1e-3);
  assert.equal(dbToGain(SILENT_DB), 0);
  assert.ok(Math.abs(dbToGain(6) - 1.995) < 1e-3);
});
