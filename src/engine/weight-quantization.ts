/**
 * The quantised weight forms of a tfjs weights manifest, as tfjs's converter writes them and tfjs-core 4.22's
 * `io.decodeWeights` reads them: an entry keeps `dtype: 'float32'` (the original) and gains
 * - `quantization: {dtype: 'float16'}`: IEEE half floats, 2 bytes per value;
 * - `quantization: {dtype: 'uint8' | 'uint16', min, scale}`: value = q·scale + min, 1 or 2 bytes per value
 *   (the converter's older manifests add `original_dtype: 'float32'`; field order does not matter).
 * Encoding here (the trainer's `export --quantize`), validation of manifest entries, and the error bounds the
 * tests hold the round trip to. Decoding stays with tfjs (`tf.io.decodeWeights`), so we read exactly what tfjs reads.
 */

/** The quantised forms we write and read (`quantization.dtype`). */
export type WeightQuantization = 'float16' | 'uint8' | 'uint16';

/** Every accepted `quantization.dtype`. */
export const WEIGHT_QUANTIZATIONS: readonly WeightQuantization[] = Object.freeze(['float16', 'uint8', 'uint16']);

/** A manifest entry's `quantization` field. */
export interface QuantizationInfo {
  dtype: string;
  scale?: number;
  min?: number;
  original_dtype?: string;
}

/** One tensor encoded: its bytes (little-endian, as tfjs reads them) and the manifest's `quantization` field. */
export interface QuantizedTensor {
  bytes: Uint8Array;
  quantization: QuantizationInfo;
}

/** One tensor as a manifest stores it: float32 bytes (no `quantization`) or a quantised form. */
export interface EncodedWeight {
  bytes: Uint8Array;
  quantization?: QuantizationInfo;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 half-float bits of `x` (rounded to nearest, ties to even; overflow → ±Inf; NaN stays NaN). */
export function float16Bits(x: number): number {
  f32[0] = x;
  const b = u32[0]!;
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  const mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Half subnormal: m·2^-24 with m = (1.mant)·2^(exp-127+24), i.e. the 24-bit significand shifted right by 14-e.
    const shift = 14 - e;
    if (shift > 24) return sign;
    const full = mant | 0x800000;
    let m = full >>> shift;
    const rem = full & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (m & 1) === 1)) m++;
    return sign | m;
  }
  let h = sign | (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (up to Inf).
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1) === 1)) h++;
  return h;
}

/** float32 values as half floats (the converter's `--quantize_float16`). */
export function quantizeFloat16(values: Float32Array): QuantizedTensor {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = float16Bits(values[i]!);
  return { bytes: new Uint8Array(out.buffer), quantization: { dtype: 'float16' } };
}

/**
 * Affine uint8/uint16 quantisation (the converter's `--quantize_uint8/uint16`): scale = (max − min)/qmax with the
 * range nudged so that 0 is exactly representable (zero biases stay zero), q = round((clamp(x) − min)/scale).
 * A constant tensor gets scale 1 and min = its value (exact). Error ≤ scale/2 (`affineErrorBound`).
 */
export function quantizeAffine(values: Float32Array, dtype: 'uint8' | 'uint16'): QuantizedTensor {
  const qMax = dtype === 'uint8' ? 255 : 65535;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) throw new Error(`cannot quantise a non-finite value (${v}) to ${dtype}`);
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const out = dtype === 'uint8' ? new Uint8Array(values.length) : new Uint16Array(values.length);
  if (values.length === 0 || hi === lo) {
    return { bytes: new Uint8Array(out.buffer), quantization: { dtype, min: values.length ? lo : 0, scale: 1 } };
  }
  const scale = (hi - lo) / qMax;
  const min = -Math.round(-lo / scale) * scale;
  const max = min + qMax * scale;
  for (let i = 0; i < values.length; i++) {
    const v = Math.min(max, Math.max(min, values[i]!));
    out[i] = Math.min(qMax, Math.max(0, Math.round((v - min) / scale)));
  }
  return { bytes: new Uint8Array(out.buffer), quantization: { dtype, min, scale } };
}

/**
 * The first stored value of a manifest entry that decodes (as tfjs decodes it) to NaN or ±Infinity, or null:
 * `bytes` are the entry's own bytes, `quantization` its manifest field. One pass of bit tests for float32 and
 * float16, q·scale + min in float32 for affine uint8/uint16: cheap next to the download, so every load runs it.
 */
export function firstNonFinite(bytes: ArrayBuffer, quantization?: QuantizationInfo): { index: number; value: number } | null {
  const q = quantization?.dtype;
  if (q === undefined) {
    const bits = new Uint32Array(bytes);
    for (let i = 0; i < bits.length; i++) {
      if ((bits[i]! & 0x7f800000) === 0x7f800000) return { index: i, value: new Float32Array(bytes, 4 * i, 1)[0]! };
    }
    return null;
  }
  if (q === 'float16') {
    const halves = new Uint16Array(bytes);
    for (let i = 0; i < halves.length; i++) {
      const h = halves[i]!;
      if ((h & 0x7c00) === 0x7c00) return { index: i, value: (h & 0x3ff) !== 0 ? Number.NaN : (h & 0x8000) !== 0 ? -Infinity : Infinity };
    }
    return null;
  }
  const codes = q === 'uint8' ? new Uint8Array(bytes) : new Uint16Array(bytes);
  const scale = quantization?.scale ?? Number.NaN;
  const min = quantization?.min ?? Number.NaN;
  for (let i = 0; i < codes.length; i++) {
    const v = Math.fround(codes[i]! * scale + min);
    if (!Number.isFinite(v)) return { index: i, value: v };
  }
  return null;
}

/** `values` in the form `q` (float32 when undefined: the raw little-endian bytes, no copy). */
export function encodeWeightValues(values: Float32Array, q?: WeightQuantization): EncodedWeight {
  if (q === undefined) return { bytes: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) };
  if (q === 'float16') return quantizeFloat16(values);
  return quantizeAffine(values, q);
}

/** Largest |decoded − original| an affine entry allows: half a step (scale/2). */
export function affineErrorBound(quantization: QuantizationInfo): number {
  return (quantization.scale ?? 0) / 2;
}

/** Largest |decoded − original| a half float allows for `x`: half an ulp (2^-11 relative, 2^-25 absolute below 2^-14). */
export function float16ErrorBound(x: number): number {
  return Math.max(Math.abs(x) * 2 ** -11, 2 ** -25);
}

/**
 * Checks a manifest entry's `quantization` field; returns a description of what is wrong, or '' when it is one
 * tfjs-core decodes (float16, or uint8/uint16 with finite `scale` and `min`, of a float32 entry).
 */
export function quantizationProblem(q: unknown, entryDtype: string): string {
  if (typeof q !== 'object' || q === null) return `quantization must be an object, got ${JSON.stringify(q)}`;
  const o = q as Record<string, unknown>;
  if (!WEIGHT_QUANTIZATIONS.includes(o.dtype as WeightQuantization)) {
    return `quantization dtype ${JSON.stringify(o.dtype)} is not one of ${WEIGHT_QUANTIZATIONS.join(', ')}`;
  }
  if (o.dtype !== 'float16') {
    for (const k of ['scale', 'min'] as const) {
      if (typeof o[k] !== 'number' || !Number.isFinite(o[k])) return `${o.dtype} quantization needs a finite "${k}", got ${JSON.stringify(o[k])}`;
    }
  }
  const original = typeof o.original_dtype === 'string' ? o.original_dtype : entryDtype;
  if (original !== 'float32') return `quantized entry must decode to float32, its dtype is ${original}`;
  return '';
}
