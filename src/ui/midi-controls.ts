/**
 * What the assignable MIDI controllers do (midi-dispatch.ts passes on every controller without a fixed meaning):
 * bindings of a controller number to a target (morph X, morph Y, next / previous preset), and MIDI learn (arm a
 * target; the next assignable controller that moves is bound to it). Pure (no DOM), so Node tests drive it.
 */
import { FIXED_CONTROLLERS } from './midi-dispatch.ts';

/** What a controller can be bound to. */
export type ControlTarget = 'morphX' | 'morphY' | 'presetNext' | 'presetPrevious';

/** Every target, in the order the learn bar shows them. */
export const CONTROL_TARGETS: readonly ControlTarget[] = Object.freeze(['morphX', 'morphY', 'presetNext', 'presetPrevious']);

/** Words for a target (the learn bar, the status line). */
export const CONTROL_TARGET_LABELS: Readonly<Record<ControlTarget, string>> = Object.freeze({
  morphX: 'morph X', morphY: 'morph Y', presetNext: 'next preset', presetPrevious: 'previous preset',
});

/** Controller number (0..127) per target; a target left out is unbound. */
export type ControlBindings = Readonly<Partial<Record<ControlTarget, number>>>;

/** Out of the box: the mod wheel (CC1) moves the morph pad's X, the breath controller (CC2) its Y. */
export const DEFAULT_CONTROL_BINDINGS: ControlBindings = Object.freeze({ morphX: 1, morphY: 2 });

/**
 * What a controller message did: moved the morph (`value` 0..1), stepped the preset (a button controller passing 64
 * upwards: buttons send 127 then 0, and a knob turned up passes once), or completed a learn.
 */
export type ControlAction =
  | { readonly kind: 'morphX' | 'morphY'; readonly value: number }
  | { readonly kind: 'presetStep'; readonly delta: 1 | -1 }
  | { readonly kind: 'learned'; readonly target: ControlTarget; readonly controller: number };

/** Checks bindings read from a file or set by a host; throws naming the bad entry. Returns a fresh object. */
export function validateControlBindings(raw: unknown): ControlBindings {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`MIDI bindings must be an object of target → controller, got ${JSON.stringify(raw)}`);
  const out: Partial<Record<ControlTarget, number>> = {};
  const taken = new Map<number, string>();
  for (const [key, cc] of Object.entries(raw)) {
    if (!(CONTROL_TARGETS as readonly string[]).includes(key)) throw new Error(`MIDI bindings: unknown target "${key}" (${CONTROL_TARGETS.join(', ')})`);
    if (cc === undefined) continue;
    if (!Number.isInteger(cc) || (cc as number) < 0 || (cc as number) > 127) throw new Error(`MIDI bindings: ${key} must be a controller number 0..127, got ${JSON.stringify(cc)}`);
    if (FIXED_CONTROLLERS.has(cc as number)) throw new Error(`MIDI bindings: ${key} cannot take CC${cc}, which has a fixed meaning (pedals, data entry, channel mode)`);
    if (taken.has(cc as number)) throw new Error(`MIDI bindings: CC${cc} is bound twice (${taken.get(cc as number)} and ${key})`);
    taken.set(cc as number, key);
    out[key as ControlTarget] = cc as number;
  }
  return out;
}

/** See the module comment. */
export class MidiControls {
  private map: ControlBindings = DEFAULT_CONTROL_BINDINGS;
  /** The target waiting for a controller to move, if any. */
  armed: ControlTarget | undefined;
  /** Last value seen per controller, for the button edge (unseen = 0: released). */
  private readonly lastValue = new Map<number, number>();

  get bindings(): ControlBindings {
    return this.map;
  }
  set bindings(b: ControlBindings) {
    this.map = Object.freeze(validateControlBindings(b));
  }

  /** Arms `target` for learning (undefined: stop learning). */
  arm(target: ControlTarget | undefined): void {
    if (target !== undefined && !CONTROL_TARGETS.includes(target)) throw new Error(`unknown MIDI learn target "${target}" (${CONTROL_TARGETS.join(', ')})`);
    this.armed = target;
  }

  /** Handles an assignable controller's raw value 0..127. */
  handle(controller: number, value: number): ControlAction | undefined {
    const previous = this.lastValue.get(controller) ?? 0;
    this.lastValue.set(controller, value);
    if (this.armed) {
      const target = this.armed;
      this.armed = undefined;
      // One controller drives one target: taking it for `target` unbinds it elsewhere.
      const next: Partial<Record<ControlTarget, number>> = {};
      for (const t of CONTROL_TARGETS) if (this.map[t] !== undefined && this.map[t] !== controller) next[t] = this.map[t];
      next[target] = controller;
      this.map = Object.freeze(next);
      return { kind: 'learned', target, controller };
    }
    const target = CONTROL_TARGETS.find((t) => this.map[t] === controller);
    switch (target) {
      case undefined:
        return undefined;
      case 'morphX':
      case 'morphY':
        return { kind: target, value: value / 127 };
      case 'presetNext':
      case 'presetPrevious':
        if (!(value >= 64 && previous < 64)) return undefined;
        return { kind: 'presetStep', delta: target === 'presetNext' ? 1 : -1 };
      default: {
        const never: never = target;
        return never;
      }
    }
  }
}
