/**
 * TFRecord files: a sequence of records, each framed as
 *   uint64 LE length | uint32 LE masked CRC32C(length bytes) | data[length] | uint32 LE masked CRC32C(data).
 * Reading is streamed through a file descriptor (NSynth's train split is ~70 GB), one record in memory at a time.
 * Both CRCs are checked; a corrupt record is reported with its byte offset and either skipped or fatal.
 */
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { maskedCrc32c } from './crc32c.ts';

/** One record's payload and where its frame starts in the file. */
export interface TfRecord {
  /** Byte offset of the record's length field. */
  offsetBytes: number;
  data: Uint8Array;
}

/** What went wrong with a record. */
export type TfRecordProblem = 'length-crc' | 'data-crc' | 'truncated' | 'too-large';

/** A corrupt record, as reported to `onCorrupt`. */
export interface TfRecordCorruption {
  offsetBytes: number;
  problem: TfRecordProblem;
  message: string;
}

/** Options of {@link readTfRecords}. */
export interface TfRecordReadOptions {
  /** 'fatal' (default) throws on the first corrupt record; 'skip' reports it and goes on. */
  corrupt?: 'fatal' | 'skip';
  /** Called for every corrupt record (before throwing when fatal). */
  onCorrupt?: (c: TfRecordCorruption) => void;
  /** Verify the data CRC (default true). The length CRC is always verified: a bad length makes framing unsafe. */
  verifyDataCrc?: boolean;
  /** Records longer than this are treated as corrupt (protects against a garbage length). Default 1 GiB. */
  maxRecordBytes?: number;
}

const READ_DEFAULTS = Object.freeze({ corrupt: 'fatal' as const, verifyDataCrc: true, maxRecordBytes: 1 << 30 });

/** Thrown for a corrupt record in 'fatal' mode; carries the offset. */
export class TfRecordError extends Error {
  constructor(readonly corruption: TfRecordCorruption, readonly path: string) {
    super(`${path}: corrupt TFRecord at byte ${corruption.offsetBytes}: ${corruption.message}`);
    this.name = 'TfRecordError';
  }
}

/** Byte source: a file path (streamed) or an in-memory buffer. */
type Source = { read(pos: number, len: number): Uint8Array; size: number; close(): void; name: string };

function openSource(input: string | Uint8Array): Source {
  if (typeof input !== 'string') {
    return { read: (pos, len) => input.subarray(pos, pos + len), size: input.length, close: () => {}, name: '<buffer>' };
  }
  const fd = openSync(input, 'r');
  const size = fstatSync(fd).size;
  return {
    read(pos, len) {
      const n = Math.max(0, Math.min(len, size - pos));
      const out = new Uint8Array(n);
      let got = 0;
      while (got < n) {
        const r = readSync(fd, out, got, n - got, pos + got);
        if (r <= 0) break;
        got += r;
      }
      return got === n ? out : out.subarray(0, got);
    },
    size,
    close: () => closeSync(fd),
    name: input,
  };
}

/**
 * Iterates the records of a TFRecord file (uncompressed). After a length-CRC failure the rest of the file cannot be
 * framed, so in 'skip' mode reading stops there (reported); after a data-CRC failure the frame is intact and
 * reading goes on with the next record.
 */
export function* readTfRecords(input: string | Uint8Array, options: TfRecordReadOptions = {}): Generator<TfRecord> {
  const o = { ...READ_DEFAULTS, ...options };
  if (o.corrupt !== 'fatal' && o.corrupt !== 'skip') throw new Error(`corrupt must be 'fatal' or 'skip', got ${String(o.corrupt)}`);
  const src = openSource(input);
  const report = (offsetBytes: number, problem: TfRecordProblem, message: string): void => {
    const c = { offsetBytes, problem, message };
    o.onCorrupt?.(c);
    if (o.corrupt === 'fatal') throw new TfRecordError(c, src.name);
  };
  try {
    let pos = 0;
    while (pos < src.size) {
      const header = src.read(pos, 12);
      if (header.length < 12) {
        report(pos, 'truncated', `header needs 12 bytes, ${header.length} left`);
        return;
      }
      const view = new DataView(header.buffer, header.byteOffset, 12);
      const length = Number(view.getBigUint64(0, true));
      const lengthCrc = view.getUint32(8, true);
      if (maskedCrc32c(header.subarray(0, 8)) !== lengthCrc) {
        report(pos, 'length-crc', `length CRC mismatch (length field reads ${length}); framing lost, stopping`);
        return;
      }
      if (length > o.maxRecordBytes) {
        report(pos, 'too-large', `record length ${length} exceeds maxRecordBytes ${o.maxRecordBytes}; stopping`);
        return;
      }
      const body = src.read(pos + 12, length + 4);
      if (body.length < length + 4) {
        report(pos, 'truncated', `record of ${length} bytes needs ${length + 4} bytes after its header, ${body.length} left`);
        return;
      }
      const data = body.subarray(0, length);
      const dataCrc = new DataView(body.buffer, body.byteOffset + length, 4).getUint32(0, true);
      const recordStart = pos;
      pos += 12 + length + 4;
      if (o.verifyDataCrc && maskedCrc32c(data) !== dataCrc) {
        report(recordStart, 'data-crc', `data CRC mismatch in a record of ${length} bytes`);
        continue;
      }
      yield { offsetBytes: recordStart, data };
    }
  } finally {
    src.close();
  }
}

/**
 * Reads the one record whose frame starts at `offsetBytes` (from a previous scan), verifying both CRCs, so a
 * dataset can index a huge file once and load notes lazily.
 */
export function readTfRecordAt(path: string, offsetBytes: number): Uint8Array {
  const src = openSource(path);
  try {
    const header = src.read(offsetBytes, 12);
    if (header.length < 12) throw new TfRecordError({ offsetBytes, problem: 'truncated', message: 'no record header here' }, path);
    const view = new DataView(header.buffer, header.byteOffset, 12);
    const length = Number(view.getBigUint64(0, true));
    if (maskedCrc32c(header.subarray(0, 8)) !== view.getUint32(8, true)) {
      throw new TfRecordError({ offsetBytes, problem: 'length-crc', message: 'length CRC mismatch' }, path);
    }
    const body = src.read(offsetBytes + 12, length + 4);
    if (body.length < length + 4) throw new TfRecordError({ offsetBytes, problem: 'truncated', message: 'record runs past the end of the file' }, path);
    const data = body.subarray(0, length);
    if (maskedCrc32c(data) !== new DataView(body.buffer, body.byteOffset + length, 4).getUint32(0, true)) {
      throw new TfRecordError({ offsetBytes, problem: 'data-crc', message: 'data CRC mismatch' }, path);
    }
    return data;
  } finally {
    src.close();
  }
}

/** Frames one record (length, masked CRCs) as TFRecord bytes. */
export function frameTfRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length + 4);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

/** Writes records to a TFRecord file (truncating it). */
export function writeTfRecords(path: string, records: Iterable<Uint8Array>): void {
  const fd = openSync(path, 'w');
  try {
    for (const r of records) writeSync(fd, frameTfRecord(r));
  } finally {
    closeSync(fd);
  }
}
