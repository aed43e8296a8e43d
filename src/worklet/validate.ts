/**
 * Boundary checks for messages arriving at the worklet (house rule: bad input gets a clear error). Runs in the
 * message handler, never in process(), so it may allocate.
 */
import { loopRegionError } from '../shared/loop.ts';
import {
  DEFAULT_VOICE_CONFIG, MAX_POLYPHONY, type BankMessage, type SharedBankMessage, type SwapAlignment, type VoiceConfig,
} from '../shared/protocol.ts';
import type { BankSlot } from './voice.ts';

/** Throws unless `pitch` is a MIDI note number 0..127. */
export function checkPitch(pitch: unknown): number {
  if (typeof pitch !== 'number' || !Number.isInteger(pitch) || pitch < 0 || pitch > 127) {
    throw new RangeError(`pitch must be an integer 0..127, got ${String(pitch)}`);
  }
  return pitch;
}

/** Throws unless `x` is a finite number in [min, max]. */
export function checkNumber(name: string, x: unknown, min: number, max: number): number {
  if (typeof x !== 'number' || !Number.isFinite(x) || x < min || x > max) {
    throw new RangeError(`${name} must be a number in [${min}, ${max}], got ${String(x)}`);
  }
  return x;
}

/** Optional frame: undefined stays undefined; otherwise a finite number ≥ 0, rounded to a whole frame. */
export function checkFrame(frame: unknown): number | undefined {
  if (frame === undefined) return undefined;
  return Math.round(checkNumber('frame', frame, 0, Number.MAX_SAFE_INTEGER));
}

/** Merges a config patch over `base` and validates every field. */
export function mergeVoiceConfig(base: VoiceConfig, patch: Partial<VoiceConfig> | undefined): VoiceConfig {
  if (patch !== undefined && (typeof patch !== 'object' || patch === null)) throw new TypeError('config must be an object');
  for (const key of Object.keys(patch ?? {})) {
    if (!(key in DEFAULT_VOICE_CONFIG)) throw new RangeError(`unknown config field "${key}" (known: ${Object.keys(DEFAULT_VOICE_CONFIG).join(', ')})`);
  }
  const c = { ...base, ...patch };
  if (!Number.isInteger(c.polyphony) || c.polyphony < 1 || c.polyphony > MAX_POLYPHONY) {
    throw new RangeError(`polyphony must be an integer 1..${MAX_POLYPHONY}, got ${c.polyphony}`);
  }
  checkNumber('attackSec', c.attackSec, 0, 10);
  checkNumber('releaseSec', c.releaseSec, 0.001, 30);
  checkNumber('outputGain', c.outputGain, 0, 16);
  checkNumber('swapCrossfadeSec', c.swapCrossfadeSec, 0, 2);
  return Object.freeze(c);
}

/**
 * Validates a `bank` / `bankShared` message and builds the engine's immutable slot for it. Checks types, lengths and
 * the loop region: O(1), never a pass over the samples (the sender checks they are finite; see BankMessage).
 */
export function bankSlotFromMessage(m: BankMessage | SharedBankMessage, contextRateHz: number): BankSlot {
  const pitch = checkPitch(m.pitch);
  if (typeof m.bankId !== 'number' || !Number.isFinite(m.bankId)) throw new RangeError(`bankId must be a finite number, got ${String(m.bankId)}`);
  const sampleRateHz = checkNumber('sampleRateHz', m.sampleRateHz, 1000, 768000);
  let samples: Float32Array;
  if (m.type === 'bank') {
    if (!(m.samples instanceof Float32Array)) throw new TypeError('bank.samples must be a Float32Array');
    samples = m.samples;
  } else {
    if (typeof SharedArrayBuffer === 'undefined' || !(m.buffer instanceof SharedArrayBuffer)) {
      throw new TypeError('bankShared.buffer must be a SharedArrayBuffer (is the page cross-origin isolated?)');
    }
    if (!Number.isInteger(m.byteOffset) || m.byteOffset < 0 || m.byteOffset % 4 !== 0) {
      throw new RangeError(`bankShared.byteOffset must be a non-negative multiple of 4, got ${m.byteOffset}`);
    }
    if (!Number.isInteger(m.lengthFrames) || m.lengthFrames < 0 || m.byteOffset + 4 * m.lengthFrames > m.buffer.byteLength) {
      throw new RangeError(`bankShared.lengthFrames ${m.lengthFrames} at byteOffset ${m.byteOffset} exceeds the buffer (${m.buffer.byteLength} bytes)`);
    }
    samples = new Float32Array(m.buffer, m.byteOffset, m.lengthFrames);
  }
  if (typeof m.loop !== 'object' || m.loop === null) throw new TypeError('bank.loop must be {startFrame, endFrame, crossfadeFrames}');
  const loopError = loopRegionError(m.loop, samples.length);
  if (loopError) throw new RangeError(loopError);
  const swap = m.swap === undefined ? null : checkSwapAlignment(m.swap, samples.length);
  return Object.freeze({
    pitch,
    bankId: m.bankId,
    samples,
    rateRatio: sampleRateHz / contextRateHz,
    loopStartFrame: m.loop.startFrame,
    loopEndFrame: m.loop.endFrame,
    crossfadeFrames: m.loop.crossfadeFrames,
    swap,
  });
}

/** Validates a bank message's `swap` (see SwapAlignment); returns a frozen copy. */
function checkSwapAlignment(swap: unknown, lengthFrames: number): SwapAlignment {
  if (typeof swap !== 'object' || swap === null) throw new TypeError('bank.swap must be {fromBankId, offsetFrames, correlation, levelRatio}');
  const a = swap as Record<string, unknown>;
  if (typeof a.fromBankId !== 'number' || !Number.isFinite(a.fromBankId)) throw new RangeError(`swap.fromBankId must be a finite number, got ${String(a.fromBankId)}`);
  return Object.freeze({
    fromBankId: a.fromBankId,
    offsetFrames: checkNumber('swap.offsetFrames', a.offsetFrames, 0, lengthFrames),
    correlation: checkNumber('swap.correlation', a.correlation, -1, 1),
    levelRatio: checkNumber('swap.levelRatio', a.levelRatio, 1e-6, 1e6),
  });
}
