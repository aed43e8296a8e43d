/**
 * The WAM plugin's parameters and the messages between its node (main thread) and its processor (audio thread),
 * beside the SDK's own requests on the same port. Pure: imported by both sides (no DOM, no worklet globals).
 */
import type { FromWorklet, ToWorklet } from '../shared/protocol.ts';

/** The plugin's identifier (descriptor.json), which the SDK also uses as the AudioWorklet processor's name. */
export const WAM_MODULE_ID = 'com.gansynth-web.instrument';

/** What a host can automate. Ids are the parameter ids a host sees. */
export const PARAM = {
  morph: 'morph',
  preset: 'preset',
  volumeDb: 'volumeDb',
  releaseSec: 'releaseSec',
  bendRangeSemitones: 'bendRangeSemitones',
} as const;
export type ParamId = (typeof PARAM)[keyof typeof PARAM];

/** One parameter as WamParameterInfo's constructor takes it (plus its id). */
export interface ParamSpec {
  readonly id: ParamId;
  readonly type: 'float' | 'int' | 'choice';
  readonly label: string;
  readonly defaultValue: number;
  readonly minValue: number;
  readonly maxValue: number;
  readonly discreteStep?: number;
  readonly exponent?: number;
  readonly choices?: readonly string[];
  readonly units?: string;
}

/** Volume below this many dB is silence (the fader's bottom). */
export const SILENT_DB = -60;
/** Default volume: -2 dB, the element's default gain of 0.8. */
export const DEFAULT_VOLUME_DB = -2;
export const DEFAULT_RELEASE_SEC = 0.3;
export const DEFAULT_BEND_RANGE_SEMITONES = 2;

/**
 * The parameter table; the preset choice lists `presetNames` (index = preset). A choice needs two values (the SDK
 * refuses min = max), so a bank of one preset lists it twice: both select it.
 */
export function paramSpecs(presetNames: readonly string[]): ParamSpec[] {
  if (presetNames.length === 0) throw new Error('the plugin needs at least one preset');
  const choices = presetNames.length === 1 ? [presetNames[0]!, presetNames[0]!] : [...presetNames];
  return [
    { id: PARAM.morph, type: 'float', label: 'Morph', defaultValue: 0, minValue: 0, maxValue: 1 },
    { id: PARAM.preset, type: 'choice', label: 'Preset', defaultValue: 0, minValue: 0, maxValue: choices.length - 1, discreteStep: 1, choices },
    { id: PARAM.volumeDb, type: 'float', label: 'Volume', defaultValue: DEFAULT_VOLUME_DB, minValue: SILENT_DB, maxValue: 6, units: 'dB' },
    { id: PARAM.releaseSec, type: 'float', label: 'Release', defaultValue: DEFAULT_RELEASE_SEC, minValue: 0.005, maxValue: 10, exponent: 2, units: 's' },
    { id: PARAM.bendRangeSemitones, type: 'int', label: 'Bend range', defaultValue: DEFAULT_BEND_RANGE_SEMITONES, minValue: 0, maxValue: 24, discreteStep: 1, units: 'semitones' },
  ];
}

/** Linear gain of a volume in dB; at or below {@link SILENT_DB} it is 0. */
export function dbToGain(db: number): number {
  return db <= SILENT_DB ? 0 : 10 ** (db / 20);
}

/** Node → processor, wrapped so the SDK's message handler passes it by. */
export type DownMessage =
  | { readonly gansynth: ToWorklet }
  | { readonly gansynth: { readonly type: 'presetNames'; readonly names: readonly string[] } };

/** Processor → node. */
export type UpMessage =
  | { readonly gansynth: FromWorklet }
  /** A sound parameter the main thread acts on (a re-render) changed in the processor (automation, a host, CC1). */
  | { readonly gansynth: { readonly type: 'param'; readonly id: typeof PARAM.morph | typeof PARAM.preset; readonly value: number } };

/** MIDI controller that moves the morph (the mod wheel), as in the element. */
export const MORPH_CONTROLLER = 1;

/** Frames between two reports of a moving morph to the main thread (its render scheduler re-renders at most every 100 ms). */
export const PARAM_REPORT_FRAMES = 1024;
