/**
 * tf.train.Example, decoded (and encoded) from the protobuf wire format by hand — the schema is three tiny
 * messages, so no protobuf dependency:
 *   Example { Features features = 1; }   Features { map<string, Feature> feature = 1; }
 *   Feature { oneof { BytesList bytes_list = 1; FloatList float_list = 2; Int64List int64_list = 3; } }
 *   BytesList { repeated bytes value = 1; }  FloatList { repeated float value = 1 [packed]; }
 *   Int64List { repeated int64 value = 1 [packed]; }
 * Both packed and unpacked repeated scalars are accepted, as protobuf parsers must.
 */
import { concatBytes } from 'gansynth-web/shared/bytes';

/** One feature's values. int64 values are JS numbers (exact up to 2^53; NSynth's ints are small). */
export type ExampleFeature =
  | { kind: 'bytes'; value: Uint8Array[] }
  | { kind: 'float'; value: Float32Array }
  | { kind: 'int64'; value: number[] };

/** A decoded Example: feature name → values. */
export type ExampleFeatures = Map<string, ExampleFeature>;

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

class Reader {
  pos: number;
  constructor(readonly buf: Uint8Array, start = 0, readonly end = buf.length) {
    this.pos = start;
  }
  done(): boolean {
    return this.pos >= this.end;
  }
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new Error('protobuf: truncated varint');
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
    throw new Error('protobuf: varint longer than 10 bytes');
  }
  /** Small varint (tags, lengths) as a number. */
  uint(): number {
    const v = this.varint();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('protobuf: length/tag too large');
    return Number(v);
  }
  bytes(): Uint8Array {
    const len = this.uint();
    if (this.pos + len > this.end) throw new Error(`protobuf: length ${len} runs past the end of its message`);
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
  skip(wire: number): void {
    switch (wire) {
      case WIRE_VARINT: this.varint(); return;
      case WIRE_I64: this.advance(8); return;
      case WIRE_LEN: this.bytes(); return;
      case WIRE_I32: this.advance(4); return;
      default: throw new Error(`protobuf: unsupported wire type ${wire}`);
    }
  }
  advance(n: number): void {
    if (this.pos + n > this.end) throw new Error('protobuf: truncated fixed-width field');
    this.pos += n;
  }
}

/** int64 from a varint: two's complement for negatives. */
function toInt64(v: bigint): number {
  return Number(BigInt.asIntN(64, v));
}

function decodeFeature(buf: Uint8Array): ExampleFeature {
  const r = new Reader(buf);
  let feature: ExampleFeature = { kind: 'bytes', value: [] };
  while (!r.done()) {
    const tag = r.uint();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (wire !== WIRE_LEN || field < 1 || field > 3) {
      r.skip(wire);
      continue;
    }
    const list = r.bytes();
    const lr = new Reader(list);
    if (field === 1) {
      const values: Uint8Array[] = [];
      while (!lr.done()) {
        const t = lr.uint();
        if (t === ((1 << 3) | WIRE_LEN)) values.push(lr.bytes());
        else lr.skip(t & 7);
      }
      feature = { kind: 'bytes', value: values };
    } else if (field === 2) {
      const values: number[] = [];
      while (!lr.done()) {
        const t = lr.uint();
        if (t === ((1 << 3) | WIRE_LEN)) {
          const packed = lr.bytes();
          if (packed.length % 4 !== 0) throw new Error('protobuf: packed float list length not a multiple of 4');
          const dv = new DataView(packed.buffer, packed.byteOffset, packed.length);
          for (let i = 0; i < packed.length; i += 4) values.push(dv.getFloat32(i, true));
        } else if (t === ((1 << 3) | WIRE_I32)) {
          const p = lr.pos;
          lr.advance(4);
          values.push(new DataView(list.buffer, list.byteOffset + p, 4).getFloat32(0, true));
        } else lr.skip(t & 7);
      }
      feature = { kind: 'float', value: Float32Array.from(values) };
    } else {
      const values: number[] = [];
      while (!lr.done()) {
        const t = lr.uint();
        if (t === ((1 << 3) | WIRE_LEN)) {
          const packed = lr.bytes();
          const pr = new Reader(packed);
          while (!pr.done()) values.push(toInt64(pr.varint()));
        } else if (t === ((1 << 3) | WIRE_VARINT)) values.push(toInt64(lr.varint()));
        else lr.skip(t & 7);
      }
      feature = { kind: 'int64', value: values };
    }
  }
  return feature;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/**
 * Decodes a serialized tf.train.Example (e.g. one TFRecord's data).
 * @param wanted when given, only features whose key it accepts are decoded (the rest are skipped unread), so
 *   listing a dataset's metadata does not copy every note's 64,000 audio samples.
 * @throws on malformed wire data, with the reason.
 */
export function decodeExample(bytes: Uint8Array, wanted?: (key: string) => boolean): ExampleFeatures {
  const out: ExampleFeatures = new Map();
  const r = new Reader(bytes);
  while (!r.done()) {
    const tag = r.uint();
    if (tag !== ((1 << 3) | WIRE_LEN)) {
      r.skip(tag & 7);
      continue;
    }
    const features = r.bytes();
    const fr = new Reader(features);
    while (!fr.done()) {
      const ft = fr.uint();
      if (ft !== ((1 << 3) | WIRE_LEN)) {
        fr.skip(ft & 7);
        continue;
      }
      const entry = fr.bytes();
      const er = new Reader(entry);
      let key = '';
      let raw: Uint8Array | undefined;
      while (!er.done()) {
        const et = er.uint();
        if (et === ((1 << 3) | WIRE_LEN)) key = utf8.decode(er.bytes());
        else if (et === ((2 << 3) | WIRE_LEN)) raw = er.bytes();
        else er.skip(et & 7);
      }
      if (wanted && !wanted(key)) continue;
      out.set(key, raw ? decodeFeature(raw) : { kind: 'bytes', value: [] });
    }
  }
  return out;
}

// --- encoding (for writing our datasets as TFRecords, and symmetric round-trips) ---

function varintBytes(v: bigint): number[] {
  let x = BigInt.asUintN(64, v);
  const out: number[] = [];
  do {
    let b = Number(x & 0x7fn);
    x >>= 7n;
    if (x !== 0n) b |= 0x80;
    out.push(b);
  } while (x !== 0n);
  return out;
}

function lenField(field: number, payload: Uint8Array): Uint8Array {
  const head = [...varintBytes(BigInt((field << 3) | WIRE_LEN)), ...varintBytes(BigInt(payload.length))];
  const out = new Uint8Array(head.length + payload.length);
  out.set(head, 0);
  out.set(payload, head.length);
  return out;
}


/** Encodes features as a serialized tf.train.Example (packed numeric lists, keys in the map's order). */
export function encodeExample(features: ExampleFeatures): Uint8Array {
  const enc = new TextEncoder();
  const entries: Uint8Array[] = [];
  for (const [key, f] of features) {
    let list: Uint8Array;
    if (f.kind === 'bytes') list = lenField(1, concatBytes(f.value.map((v) => lenField(1, v))));
    else if (f.kind === 'float') {
      const packed = new Uint8Array(f.value.length * 4);
      const dv = new DataView(packed.buffer);
      f.value.forEach((v, i) => dv.setFloat32(i * 4, v, true));
      list = lenField(2, lenField(1, packed));
    } else list = lenField(3, lenField(1, Uint8Array.from(f.value.flatMap((v) => varintBytes(BigInt(v))))));
    entries.push(lenField(1, concatBytes([lenField(1, enc.encode(key)), lenField(2, list)])));
  }
  return lenField(1, concatBytes(entries));
}
