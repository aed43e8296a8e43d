import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomLatent } from '../../src/engine/latent.ts';
import {
  decodePresetFragment, encodePresetFragment, loadPresetBank, presetFromLatent, resolvePresetLatent,
  savePresetBank, validatePreset, validatePresetBank, type Preset,
} from '../../src/engine/presets.ts';

const full = presetFromLatent('Brassy ~ pad; 100%', randomLatent(42), 'paper-v1');
const bank: Preset[] = [{ name: 'seeded', latent: { seed: 1234 } }, full, { name: 'zeros', latent: new Array(256).fill(0) }];

test('validatePreset names the bad field', () => {
  assert.throws(() => validatePreset(null), /invalid preset: must be an object, got null/);
  assert.throws(() => validatePreset({ latent: { seed: 1 } }), /name must be a non-empty string, got undefined/);
  assert.throws(() => validatePreset({ name: 'a', latent: [1, 2] }), /"a": latent has 2 numbers, expected 256/);
  const bad = new Array(256).fill(0);
  bad[17] = 'x';
  assert.throws(() => validatePreset({ name: 'a', latent: bad }, { index: 3 }), /preset #3 "a": latent\[17\] must be a finite number, got "x"/);
  assert.throws(() => validatePreset({ name: 'a', latent: { seed: -1 } }), /latent.seed must be an integer in \[0, 4294967295\], got -1/);
  assert.throws(() => validatePreset({ name: 'a', latent: { seed: 1.5 } }), /latent.seed/);
  assert.throws(() => validatePreset({ name: 'a', latent: 'z' }), /latent must be an array of 256 numbers or \{seed\}/);
  assert.throws(() => validatePreset({ name: 'a', latent: { seed: 1 }, model: 3 }), /model must be a non-empty string, got 3/);
  assert.deepEqual(validatePreset({ name: 'a', latent: { seed: 9 }, extra: true }), { name: 'a', latent: { seed: 9 } });
  assert.throws(() => validatePresetBank([bank[0], bank[0]]), /preset #1 repeats the name "seeded"/);
  assert.throws(() => validatePresetBank({}), /must be an array/);
});

test('resolvePresetLatent draws seeds and copies full latents', () => {
  assert.deepEqual(resolvePresetLatent(bank[0]!), randomLatent(1234));
  assert.deepEqual(resolvePresetLatent(full), randomLatent(42));
});

test('preset bank round-trips through save/load', () => {
  const text = savePresetBank(bank);
  assert.deepEqual(loadPresetBank(text), bank);
  assert.throws(() => loadPresetBank('{nope'), /invalid preset bank: not JSON/);
});

test('preset bank round-trips through a URL fragment, bit-exact and compact', () => {
  const frag = encodePresetFragment(bank);
  assert.match(frag, /^gs1:seeded~s1234;/);
  assert.ok(!/[#\s&?]/.test(frag), 'fragment needs no further escaping');
  const back = decodePresetFragment(`#${frag}`);
  assert.deepEqual(back, bank);
  assert.deepEqual(resolvePresetLatent(back[1]!), randomLatent(42));
  // base64 of 1024 bytes: 1366 characters, far below the decimal JSON.
  assert.ok(frag.length < 2 * 1366 + 100, `fragment is ${frag.length} characters`);
  assert.deepEqual(decodePresetFragment('gs1:'), []);
});

test('decodePresetFragment rejects malformed text precisely', () => {
  assert.throws(() => decodePresetFragment('v0:x~s1'), /must start with "gs1:"/);
  assert.throws(() => decodePresetFragment('gs1:a'), /entry #0 must be name~s<seed>/);
  assert.throws(() => decodePresetFragment('gs1:a~q1'), /entry #0 latent "q1" must start with/);
  assert.throws(() => decodePresetFragment('gs1:a~s1;b~z!!'), /entry #1 has characters outside base64url/);
  assert.throws(() => decodePresetFragment('gs1:a~zAAAAAA'), /latent has 1 numbers, expected 256/);
  assert.throws(() => decodePresetFragment('gs1:a~zAAA'), /not a whole number of float32s/);
  assert.throws(() => decodePresetFragment('gs1:a~s1~x3'), /unknown field "x3"/);
  assert.throws(() => decodePresetFragment('gs1:%E0%A4%A~s1'), /bad %-escape/);
});

test('latents are bounded (float32 overflow breaks rendering) and repeated names can be renamed at the edge', () => {
  const z = (v: number) => Array.from({ length: 256 }, (_, i) => (i === 3 ? v : 0.5));
  assert.throws(() => validatePreset({ name: 'x', latent: z(1e39) }), /latent\[3\] is 1e\+39, outside ±100/);
  assert.throws(() => validatePreset({ name: 'x', latent: z(-100.5) }), /outside ±100/);
  assert.doesNotThrow(() => validatePreset({ name: 'x', latent: z(99) }));
  const twice = [{ name: 'p', latent: { seed: 1 } }, { name: 'p', latent: { seed: 2 } }, { name: 'p (2)', latent: { seed: 3 } }];
  assert.throws(() => validatePresetBank(twice), /preset #1 repeats the name "p"/);
  assert.deepEqual(validatePresetBank(twice, { renameDuplicates: true }).map((p) => p.name), ['p', 'p (2)', 'p (3)']);
});
