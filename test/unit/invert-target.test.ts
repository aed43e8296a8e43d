/**
 * Sound → preset input handling (src/engine/invert-target.ts, pure TS): downmix, resampling, onset cut, pitch from
 * the file name or YIN, and the refusals (silence, a 100 ms clip, unpitched noise, a pitch outside the model), each
 * naming the file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TINY_CONFIG } from '../../src/shared/model-config.ts';
import { SeededRandom } from '../../src/shared/random.ts';
import { decodeWav, encodeWav } from '../../src/shared/wav.ts';
import { estimateF0Hz, midiToHz } from '../../src/shared/pitch.ts';
import { InversionInputError, pitchFromFileName, prepareInversionTarget } from '../../src/engine/invert-target.ts';

/** A harmonic tone (5 partials, decaying) at `hz`, `sec` long, after `leadSec` of silence. */
function tone(hz: number, rateHz: number, sec: number, leadSec = 0, gain = 0.5): Float32Array {
  const lead = Math.round(leadSec * rateHz);
  const out = new Float32Array(lead + Math.round(sec * rateHz));
  for (let i = 0; i < out.length - lead; i++) {
    const t = i / rateHz;
    let s = 0;
    for (let h = 1; h <= 5; h++) s += Math.sin(2 * Math.PI * hz * h * t) / h;
    out[lead + i] = gain * 0.5 * s * Math.exp(-t / 1.5);
  }
  return out;
}

test('a stereo 96 kHz WAV is downmixed, resampled to 16 kHz, cut at its onset, and its pitch found by YIN', () => {
  const left = tone(midiToHz(57), 96000, 2, 0.3);
  const right = tone(midiToHz(57), 96000, 2, 0.3, 0.3);
  // Through real WAV bytes: 24-bit would do as well; 16-bit is what most recorders write.
  const wav = decodeWav(encodeWav([left, right], 96000));
  const t = prepareInversionTarget(wav, TINY_CONFIG, { source: 'cello.wav' });
  assert.equal(t.samples.length, 64000);
  assert.equal(t.pitch, 57);
  assert.equal(t.pitchSource, 'f0');
  assert.ok(Math.abs(t.f0Hz - midiToHz(57)) < 1, `f0 ${t.f0Hz}`);
  assert.match(t.conversion, /stereo → mono, 96000 Hz → 16000 Hz/);
  assert.ok(Math.abs(t.onsetSec - 0.3) < 0.02, `onset ${t.onsetSec}`);
  assert.ok(Math.abs(t.durationSec - 2) < 0.03, `duration ${t.durationSec}`);
  // The note starts at sample 0 (within the 5 ms lead), and the 16 kHz signal keeps the pitch.
  assert.ok(Math.abs(t.samples[200]!) > 1e-3);
  assert.ok(Math.abs(estimateF0Hz(t.samples, 16000, { start: 4000 }) - midiToHz(57)) < 1);
  // After its 2 s the note is zero-padded to the model's 4 s.
  assert.equal(t.samples.subarray(34000).every((v) => v === 0), true);
});

test('the pitch comes from the option, else the file name (NSynth and gansynth generate names), else YIN', () => {
  assert.equal(pitchFromFileName('keyboard_acoustic_004-060-100.wav'), 60);
  assert.equal(pitchFromFileName('/tmp/x/gansynth-p48-s7.wav'), 48);
  assert.equal(pitchFromFileName('my note.wav'), undefined);
  const wav = { sampleRateHz: 16000, channels: [tone(midiToHz(64), 16000, 1)] };
  assert.equal(prepareInversionTarget(wav, TINY_CONFIG, { source: 'a.wav' }).pitch, 64);
  const named = prepareInversionTarget(wav, TINY_CONFIG, { source: 'gansynth-p50-s1.wav' });
  assert.deepEqual([named.pitch, named.pitchSource], [50, 'file name']);
  const given = prepareInversionTarget(wav, TINY_CONFIG, { source: 'gansynth-p50-s1.wav', pitch: 70 });
  assert.deepEqual([given.pitch, given.pitchSource], [70, 'given']);
});

test('silence, a 100 ms clip, unpitched noise and a pitch outside the model are refused, naming the file', () => {
  const rate = 44100;
  const silent = { sampleRateHz: rate, channels: [new Float32Array(rate * 2)] };
  assert.throws(() => prepareInversionTarget(silent, TINY_CONFIG, { source: 'silence.wav' }), (e: Error) =>
    e instanceof InversionInputError && /^silence\.wav: is silent \(peak -inf dBFS, below -60 dBFS\)/.test(e.message));
  const clip = { sampleRateHz: rate, channels: [tone(440, rate, 0.1)] };
  assert.throws(() => prepareInversionTarget(clip, TINY_CONFIG, { source: 'click.wav' }), /^InversionInputError: click\.wav: is 0\.10 s long .*at least 0\.25 s/);
  const rng = new SeededRandom(3);
  const noise = { sampleRateHz: rate, channels: [Float32Array.from(rng.normals(rate * 2), (v) => 0.2 * v)] };
  assert.throws(() => prepareInversionTarget(noise, TINY_CONFIG, { source: 'noise.wav' }), /^InversionInputError: noise\.wav: has no clear pitch \(YIN found one in \d+ of \d+ windows/);
  // The same noise is accepted when the caller states a pitch (an unpitched sound can still be matched at one).
  assert.equal(prepareInversionTarget(noise, TINY_CONFIG, { source: 'noise.wav', pitch: 60 }).pitch, 60);
  const high = { sampleRateHz: rate, channels: [tone(midiToHz(96), rate, 1)] };
  assert.throws(() => prepareInversionTarget(high, TINY_CONFIG, { source: 'whistle.wav' }), /whistle\.wav: pitch 96 \(f0 [\d.]+ Hz\) is outside the model's range 24\.\.84/);
  assert.throws(() => prepareInversionTarget({ sampleRateHz: rate, channels: [] }, TINY_CONFIG, { source: 'empty.wav' }), /empty\.wav: has no audio samples/);
});
