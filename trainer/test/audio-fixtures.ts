/**
 * Test fixtures: FLAC and MP3 files made in the test from float samples, so the folder dataset's decoders read real
 * files and nothing is committed or downloaded.
 *
 * FLAC: a minimal encoder written here from the format specification (RFC 9639): STREAMINFO, then fixed-size
 * frames of VERBATIM 16-bit subframes with the header CRC-8 and frame CRC-16. Uncompressed, but a valid FLAC stream
 * that libFLAC (the decoder under test) must parse frame by frame.
 * MP3: lamejs 1.2.1 (a JavaScript port of LAME). Its CommonJS entry throws "MPEGMode is not defined" in Node, so its
 * browser bundle `lame.min.js` is run in a vm context, which is how that bundle is meant to be used (a global).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createContext, runInContext } from 'node:vm';

class BitWriter {
  private bytes: number[] = [];
  private acc = 0;
  private nbits = 0;
  /** Writes the low `n` bits of `value` (n ≤ 32), most significant first. */
  write(value: number, n: number): void {
    for (let i = n - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | (Math.floor(value / 2 ** i) & 1);
      if (++this.nbits === 8) {
        this.bytes.push(this.acc & 0xff);
        this.acc = 0;
        this.nbits = 0;
      }
    }
  }
  alignToByte(): void {
    while (this.nbits !== 0) this.write(0, 1);
  }
  get length(): number {
    return this.bytes.length;
  }
  take(from = 0): number[] {
    return this.bytes.slice(from);
  }
  toBytes(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

function crc8(bytes: readonly number[]): number {
  let crc = 0;
  for (const b of bytes) {
    crc ^= b;
    for (let i = 0; i < 8; i++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

function crc16(bytes: readonly number[]): number {
  let crc = 0;
  for (const b of bytes) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x8005) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** FLAC's "UTF-8" coding of the frame number. */
function utf8Number(w: BitWriter, n: number): void {
  if (n < 0x80) return w.write(n, 8);
  const extra = n < 0x800 ? 1 : n < 0x10000 ? 2 : 3;
  const lead = [0, 0xc0, 0xe0, 0xf0][extra];
  w.write(lead | (n >> (6 * extra)), 8);
  for (let i = extra - 1; i >= 0; i--) w.write(0x80 | ((n >> (6 * i)) & 0x3f), 8);
}

const RATE_CODES = new Map([[8000, 4], [16000, 5], [22050, 6], [24000, 7], [32000, 8], [44100, 9], [48000, 10], [96000, 11]]);

/** Encodes channels (equal lengths, [-1, 1]) as a 16-bit FLAC file of VERBATIM frames of 4096 samples. */
export function encodeFlac16(channels: readonly Float32Array[], sampleRateHz: number): Uint8Array {
  const blockSize = 4096;
  // The frame header's rate: a code for the common rates, else 16 bits in Hz. (Code 0, "see STREAMINFO", is valid
  // FLAC, but the decoder's frame parser, codec-parser, does not accept it.)
  const rateCode = RATE_CODES.get(sampleRateHz) ?? 13;
  if (rateCode === 13 && sampleRateHz > 65535) throw new Error(`encodeFlac16: no frame-header code for ${sampleRateHz} Hz`);
  const frames = channels[0].length;
  const w = new BitWriter();
  for (const c of 'fLaC') w.write(c.charCodeAt(0), 8);
  w.write(1, 1); // last metadata block
  w.write(0, 7); // STREAMINFO
  w.write(34, 24);
  w.write(blockSize, 16);
  w.write(blockSize, 16);
  w.write(0, 24); // min frame size unknown
  w.write(0, 24); // max frame size unknown
  w.write(sampleRateHz, 20);
  w.write(channels.length - 1, 3);
  w.write(15, 5); // 16 bits per sample
  w.write(Math.floor(frames / 2 ** 32), 4);
  w.write(frames >>> 0, 32);
  for (let i = 0; i < 16; i++) w.write(0, 8); // MD5 unknown
  for (let f = 0, start = 0; start < frames; f++, start += blockSize) {
    const n = Math.min(blockSize, frames - start);
    const frameStart = w.length;
    w.write(0b11111111111110, 14);
    w.write(0, 1);
    w.write(0, 1); // fixed block size
    w.write(n === blockSize ? 12 : 7, 4); // 12: 4096; 7: 16-bit (n - 1) at the end of the header
    w.write(rateCode, 4);
    w.write(channels.length - 1, 4); // independent channels
    w.write(4, 3); // 16 bits per sample
    w.write(0, 1);
    utf8Number(w, f);
    if (n !== blockSize) w.write(n - 1, 16);
    if (rateCode === 13) w.write(sampleRateHz, 16);
    w.write(crc8(w.take(frameStart)), 8);
    for (const ch of channels) {
      w.write(0, 1);
      w.write(1, 6); // VERBATIM
      w.write(0, 1); // no wasted bits
      for (let i = start; i < start + n; i++) {
        const s = Math.max(-32768, Math.min(32767, Math.round(ch[i] * 32767)));
        w.write(s & 0xffff, 16);
      }
    }
    w.alignToByte();
    w.write(crc16(w.take(frameStart)), 16);
  }
  return w.toBytes();
}

interface LameGlobal {
  Mp3Encoder: new (channels: number, sampleRateHz: number, kbps: number) => {
    encodeBuffer(left: Int16Array, right?: Int16Array): Int8Array;
    flush(): Int8Array;
  };
}

let lame: LameGlobal | undefined;

/** Encodes channels (1 or 2, [-1, 1]) as an MP3 at `kbps` with lamejs. */
export function encodeMp3(channels: readonly Float32Array[], sampleRateHz: number, kbps = 128): Uint8Array {
  if (!lame) {
    const context = createContext({});
    const bundle = createRequire(import.meta.url).resolve('lamejs/lame.min.js');
    runInContext(`${readFileSync(bundle, 'utf8')}\nthis.lamejs = lamejs;`, context);
    lame = (context as { lamejs: LameGlobal }).lamejs;
  }
  const toInt16 = (x: Float32Array): Int16Array => Int16Array.from(x, (v) => Math.max(-32768, Math.min(32767, Math.round(v * 32767))));
  const pcm = channels.map(toInt16);
  const encoder = new lame.Mp3Encoder(channels.length, sampleRateHz, kbps);
  const parts: Int8Array[] = [];
  const chunk = 1152 * 16;
  for (let i = 0; i < pcm[0].length; i += chunk) {
    parts.push(encoder.encodeBuffer(pcm[0].subarray(i, i + chunk), pcm[1]?.subarray(i, i + chunk)));
  }
  parts.push(encoder.flush());
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p.buffer, p.byteOffset, p.length), o);
    o += p.length;
  }
  return out;
}
