/**
 * audio-file.ts: WAV, FLAC and MP3 decoded by signature (whatever the name), with the samples they were made from;
 * unreadable, unknown, empty and corrupt files rejected naming the file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeWav } from 'gansynth-web/shared/wav';
import { decodeAudioFile, isAudioFileName, sniffAudioFormat } from '../src/data/audio-file.ts';
import { formatPitchRanges } from '../src/data/folder-dataset.ts';
import { encodeFlac16, encodeMp3 } from './audio-fixtures.ts';

const DIR = join('.test-out', 'audio-file');

function tone(hz: number, rateHz: number, seconds: number, amp: number): Float32Array {
  return Float32Array.from({ length: Math.round(rateHz * seconds) }, (_, i) => amp * Math.sin((2 * Math.PI * hz * i) / rateHz));
}

test('decodeAudioFile: WAV, FLAC and MP3 by signature, samples as written', async () => {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  const left = tone(440, 44100, 1.5, 0.5);
  const right = tone(660, 44100, 1.5, 0.25);

  writeFileSync(join(DIR, 'a.wav'), encodeWav([left, right], 44100, 'float32'));
  const wav = await decodeAudioFile(join(DIR, 'a.wav'));
  assert.deepEqual([wav.format, wav.sampleRateHz, wav.channels.length], ['wav', 44100, 2]);
  assert.deepEqual(wav.channels[1], right);

  // A FLAC named .wav is read as FLAC: the first bytes decide.
  writeFileSync(join(DIR, 'b.wav'), encodeFlac16([left, right], 44100));
  const flac = await decodeAudioFile(join(DIR, 'b.wav'));
  assert.deepEqual([flac.format, flac.sampleRateHz, flac.channels.length, flac.channels[0].length], ['flac', 44100, 2, left.length]);
  let worst = 0;
  for (let i = 0; i < left.length; i++) worst = Math.max(worst, Math.abs(flac.channels[0][i] - left[i]), Math.abs(flac.channels[1][i] - right[i]));
  assert.ok(worst <= 1.5 / 32768, `FLAC 16-bit round trip off by ${worst}`);

  writeFileSync(join(DIR, 'c.mp3'), encodeMp3([left, right], 44100, 128));
  const mp3 = await decodeAudioFile(join(DIR, 'c.mp3'));
  assert.deepEqual([mp3.format, mp3.sampleRateHz, mp3.channels.length], ['mp3', 44100, 2]);
  // Lossy and delayed by the codec: find the delay, then the waveform matches to within the codec's error.
  const delay = [...Array(3000).keys()].reduce((best, d) => {
    let e = 0;
    for (let i = 2000; i < 6000; i++) e += (mp3.channels[0][i + d] - left[i]) ** 2;
    return e < best.e ? { d, e } : best;
  }, { d: 0, e: Infinity });
  let err = 0;
  let sig = 0;
  for (let i = 2000; i < left.length - 4000; i++) {
    err += (mp3.channels[0][i + delay.d] - left[i]) ** 2;
    sig += left[i] ** 2;
  }
  assert.ok(10 * Math.log10(sig / err) > 20, `MP3 round trip SNR ${(10 * Math.log10(sig / err)).toFixed(1)} dB (delay ${delay.d})`);
  assert.ok(mp3.channels[0].length >= left.length && mp3.channels[0].length < left.length + 4 * 1152);
});

test('decodeAudioFile: unknown, empty, corrupt and missing files are errors naming the file', async () => {
  mkdirSync(DIR, { recursive: true });
  writeFileSync(join(DIR, 'text.wav'), 'hello');
  await assert.rejects(decodeAudioFile(join(DIR, 'text.wav')), /text\.wav: not a WAV, FLAC or MP3 file \(it starts with bytes 68 65 6c 6c\)/);
  writeFileSync(join(DIR, 'empty.wav'), encodeWav([new Float32Array(0)], 16000));
  await assert.rejects(decodeAudioFile(join(DIR, 'empty.wav')), /empty\.wav: no audio decoded \(a corrupt or empty WAV file\)/);
  const riff = encodeWav([new Float32Array(100)], 16000);
  riff.set([0x64, 0x61, 0x74, 0x61], 12); // 'data' where 'fmt ' should be: data before fmt
  writeFileSync(join(DIR, 'nofmt.wav'), riff);
  await assert.rejects(decodeAudioFile(join(DIR, 'nofmt.wav')), /nofmt\.wav: corrupt WAV \(data chunk before fmt chunk\)/);
  writeFileSync(join(DIR, 'junk.flac'), Buffer.concat([Buffer.from('fLaC'), Buffer.alloc(200, 0x11)]));
  await assert.rejects(decodeAudioFile(join(DIR, 'junk.flac')), /junk\.flac: .*FLAC/);
  await assert.rejects(decodeAudioFile(join(DIR, 'absent.mp3')), /cannot read .*absent\.mp3/);
  assert.equal(sniffAudioFormat(Uint8Array.from([0xff, 0xfb, 0x90, 0x00])), 'mp3');
  assert.equal(sniffAudioFormat(Uint8Array.from([0xff, 0xf8, 0x00, 0x00])), undefined, 'layer bits 00 are reserved: not MPEG audio');
  assert.deepEqual(['x.WAV', 'y.flac', 'z.Mp3', 'w.ogg', 'v.aiff'].map(isAudioFileName), [true, true, true, false, false]);
  assert.equal(formatPitchRanges([24, 25, 26, 30, 32, 33]), '24–26, 30, 32–33');
  assert.equal(formatPitchRanges([]), 'none');
});
