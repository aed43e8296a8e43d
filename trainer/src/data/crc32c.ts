/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as TFRecord framing uses, table-driven (slicing-by-1),
 * plus TensorFlow's "masked" CRC: ((crc >>> 15) | (crc << 17)) + 0xa282ead8, mod 2^32.
 */

const POLY_REFLECTED = 0x82f63b78;
/** TensorFlow's mask delta (tensorflow/core/lib/hash/crc32c.h kMaskDelta). */
const MASK_DELTA = 0xa282ead8;

const TABLE: Uint32Array = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY_REFLECTED : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/**
 * CRC-32C of `bytes` (unsigned 32-bit). Pass a previous result as `crc` to continue over a further chunk.
 * @example crc32c(new TextEncoder().encode('123456789')) === 0xe3069283
 */
export function crc32c(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** TensorFlow's masked CRC of an unmasked CRC value: rotate right by 15, add 0xa282ead8 (mod 2^32). */
export function maskCrc(crc: number): number {
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + MASK_DELTA) >>> 0;
}

/** Masked CRC-32C of `bytes`, as stored in TFRecord files. */
export function maskedCrc32c(bytes: Uint8Array): number {
  return maskCrc(crc32c(bytes));
}
