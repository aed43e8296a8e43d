/**
 * Audio files a musician brings (WAV, FLAC, MP3) decoded to float channels, for `dataset --from-folder`. The format
 * is told by the file's first bytes, not its name: WAV through the library's reader (PCM 8/16/24/32, float 32/64,
 * any channel count), FLAC through `@wasm-audio-decoders/flac` (libFLAC in WebAssembly), MP3 (MPEG layer I/II/III)
 * through `mpg123-decoder` (mpg123 in WebAssembly, gapless: the encoder's delay and padding removed). Both decoders
 * carry their WebAssembly inline, so they work offline in Node 20. Every error names the file.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { FLACDecoder } from '@wasm-audio-decoders/flac';
import { MPEGDecoder } from 'mpg123-decoder';
import { decodeWav } from 'gansynth-web/shared/wav';

/** File name endings the folder scan picks up (lower case). */
export const AUDIO_FILE_EXTENSIONS: readonly string[] = Object.freeze(['.wav', '.wave', '.flac', '.mp3']);

/** Whether `path`'s name ends in one of {@link AUDIO_FILE_EXTENSIONS}. */
export function isAudioFileName(path: string): boolean {
  return AUDIO_FILE_EXTENSIONS.includes(extname(path).toLowerCase());
}

/** Decoded audio: one Float32Array per channel. */
export interface DecodedAudio {
  readonly format: 'wav' | 'flac' | 'mp3';
  readonly sampleRateHz: number;
  readonly channels: Float32Array[];
}

/** Which decoder the bytes need, from their signature; undefined when none of ours. */
export function sniffAudioFormat(bytes: Uint8Array): DecodedAudio['format'] | undefined {
  const ascii = (o: number, n: number): string => String.fromCharCode(...bytes.subarray(o, o + n));
  if (bytes.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 4) === 'WAVE') return 'wav';
  if (bytes.length >= 4 && ascii(0, 4) === 'fLaC') return 'flac';
  if (bytes.length >= 3 && ascii(0, 3) === 'ID3') return 'mp3';
  // An MPEG audio frame header: 11 sync bits, then a version other than 'reserved' and a layer other than 0.
  if (bytes.length >= 2 && bytes[0] === 0xff && (bytes[1] & 0xe0) === 0xe0 && (bytes[1] & 0x18) !== 0x08 && (bytes[1] & 0x06) !== 0) return 'mp3';
  return undefined;
}

function checkDecoded(path: string, format: string, sampleRateHz: number, channels: Float32Array[], errors: readonly { message: string; frameNumber?: number }[]): DecodedAudio {
  if (errors.length > 0) {
    const e = errors[0];
    throw new Error(`${path}: corrupt ${format.toUpperCase()} (${errors.length} bad frame(s); first${e.frameNumber !== undefined ? ` at frame ${e.frameNumber}` : ''}: ${e.message})`);
  }
  if (channels.length === 0 || channels[0].length === 0) throw new Error(`${path}: no audio decoded (a corrupt or empty ${format.toUpperCase()} file)`);
  if (!(sampleRateHz > 0)) throw new Error(`${path}: ${format.toUpperCase()} sample rate ${sampleRateHz} Hz`);
  return { format: format as DecodedAudio['format'], sampleRateHz, channels };
}

/**
 * Runs `fn` with the FLAC decoder's own console.error lines held back: it prints every bad frame (dozens of lines
 * for one corrupt file), and the same errors come back in its result, which `checkDecoded` reports in one line.
 * Other console.error output passes through.
 */
async function quietFlacLog<T>(fn: () => Promise<T>): Promise<T> {
  const original = console.error;
  console.error = (...args: unknown[]): void => {
    if (typeof args[0] === 'string' && args[0].startsWith('@wasm-audio-decoders/flac')) return;
    original(...args);
  };
  try {
    return await fn();
  } finally {
    console.error = original;
  }
}

/** STREAMINFO's total samples per channel (36 bits; 0 = not stated), when STREAMINFO is the first metadata block. */
function flacTotalSamples(bytes: Uint8Array): number {
  if (bytes.length < 42 || (bytes[4] & 0x7f) !== 0) return 0;
  const info = 8; // 'fLaC' + the block header
  return (bytes[info + 13] & 0x0f) * 2 ** 32 + ((bytes[info + 14] << 24) >>> 0) + (bytes[info + 15] << 16) + (bytes[info + 16] << 8) + bytes[info + 17];
}

/**
 * Decodes one audio file. Throws "PATH: why" when it cannot be read, is not WAV/FLAC/MP3 (whatever its name), or
 * is corrupt (any frame the decoder rejects: a half-decoded file would put glitches into the dataset).
 */
export async function decodeAudioFile(path: string): Promise<DecodedAudio> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`cannot read ${path}: ${(e as Error).message}`);
  }
  const format = sniffAudioFormat(bytes);
  if (format === 'wav') {
    let wav: ReturnType<typeof decodeWav>;
    try {
      wav = decodeWav(bytes);
    } catch (e) {
      throw new Error(`${path}: corrupt WAV (${(e as Error).message.replace(/^decodeWav: /, '')})`);
    }
    return checkDecoded(path, 'wav', wav.sampleRateHz, wav.channels, []);
  }
  if (format === 'flac') {
    const decoder = new FLACDecoder();
    try {
      await decoder.ready;
      // The decoder's frame parser (codec-parser) can miss a last frame that ends exactly at the end of the input (a
      // libFLAC-valid file lost its last 614 samples in our tests); 16 zero bytes after it make it see the frame end.
      // STREAMINFO's total, when stated, is then the length.
      const padded = new Uint8Array(bytes.length + 16);
      padded.set(bytes);
      const r = await quietFlacLog(() => decoder.decodeFile(padded));
      const total = flacTotalSamples(bytes);
      const frames = total > 0 ? Math.min(total, r.samplesDecoded) : r.samplesDecoded;
      return checkDecoded(path, 'flac', r.sampleRate, r.channelData.map((c) => c.subarray(0, frames)), r.errors);
    } catch (e) {
      throw (e as Error).message.startsWith(path) ? e : new Error(`${path}: corrupt FLAC (${(e as Error).message})`);
    } finally {
      decoder.free();
    }
  }
  if (format === 'mp3') {
    const decoder = new MPEGDecoder();
    try {
      await decoder.ready;
      const r = decoder.decode(bytes);
      return checkDecoded(path, 'mp3', r.sampleRate, r.channelData.map((c) => c.subarray(0, r.samplesDecoded)), r.errors);
    } catch (e) {
      throw (e as Error).message.startsWith(path) ? e : new Error(`${path}: corrupt MP3 (${(e as Error).message})`);
    } finally {
      decoder.free();
    }
  }
  const head = [...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new Error(`${path}: not a WAV, FLAC or MP3 file (it starts with bytes ${head || '(empty file)'})`);
}
