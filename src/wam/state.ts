/**
 * The plugin's state (getState / setState, and createInstance's initial state): checked here, at the boundary, with
 * errors that name the field. Pure.
 */
import { PITCH_MAX, PITCH_MIN } from '../shared/constants.ts';

/** What getState returns and setState / createInstance take (every field optional on the way in). */
export interface WamState {
  /** `auto`, `builtin`, `acoustic_only`, `all_instruments` or a model directory URL (as the element's `model`). */
  readonly model?: string;
  /** The saved bank's file text (src/ui/bank-file.ts): presets with their latents, MIDI bindings, pad corners. */
  readonly presetBank?: string;
  /** The SDK's parameter values: `{ [id]: { id, value, normalized } }`. */
  readonly parameterValues?: Record<string, { id: string; value: number; normalized: boolean }>;
}

/** Set once, when the instance is made (createInstance's initial state only). */
export interface WamOptions {
  /** tfjs backend: auto (default), webgpu, webgl, wasm, cpu. */
  readonly backend?: string;
  /** Where tfjs-backend-wasm's .wasm files are served (default: dist/wasm/ beside the plugin). */
  readonly wasmPath?: string;
  /** The bank's pitch range, MIDI (default 24–84): a narrower bank renders faster. */
  readonly lowPitch?: number;
  readonly highPitch?: number;
}

const where = 'GANSynth WAM state';

function optionalString(o: Record<string, unknown>, field: string): string | undefined {
  const v = o[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw new TypeError(`${where}: "${field}" must be a non-empty string, got ${JSON.stringify(v)}`);
  return v;
}

function optionalPitch(o: Record<string, unknown>, field: string): number | undefined {
  const v = o[field];
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || (v as number) < PITCH_MIN || (v as number) > PITCH_MAX) {
    throw new RangeError(`${where}: "${field}" must be a MIDI pitch ${PITCH_MIN}..${PITCH_MAX}, got ${JSON.stringify(v)}`);
  }
  return v as number;
}

/** Checks a state (or undefined: nothing to restore); throws naming the field at fault. */
export function parseWamState(input: unknown): WamState & WamOptions {
  if (input === undefined || input === null) return {};
  if (typeof input !== 'object' || Array.isArray(input)) throw new TypeError(`${where} must be an object, got ${JSON.stringify(input)}`);
  const o = input as Record<string, unknown>;
  const pv = o.parameterValues;
  if (pv !== undefined) {
    if (typeof pv !== 'object' || pv === null || Array.isArray(pv)) throw new TypeError(`${where}: "parameterValues" must be an object`);
    for (const [id, d] of Object.entries(pv)) {
      const value = (d as { value?: unknown } | null)?.value;
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`${where}: "parameterValues.${id}.value" must be a finite number, got ${JSON.stringify(value)}`);
    }
  }
  const out = {
    model: optionalString(o, 'model'),
    presetBank: optionalString(o, 'presetBank'),
    parameterValues: pv as WamState['parameterValues'],
    backend: optionalString(o, 'backend'),
    wasmPath: optionalString(o, 'wasmPath'),
    lowPitch: optionalPitch(o, 'lowPitch'),
    highPitch: optionalPitch(o, 'highPitch'),
  };
  if ((out.lowPitch ?? PITCH_MIN) > (out.highPitch ?? PITCH_MAX)) {
    throw new RangeError(`${where}: "lowPitch" ${out.lowPitch ?? PITCH_MIN} is above "highPitch" ${out.highPitch ?? PITCH_MAX}`);
  }
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
}
