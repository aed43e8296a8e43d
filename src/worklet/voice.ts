/**
 * One voice of the pool and its render loop: a fractional-rate reader over a note buffer with 4-point Catmull-Rom
 * interpolation, a crossfaded loop, and a piecewise-linear envelope. Hot path: no allocation, locals only.
 */
import { SOFT_PEDAL_GAIN_DB, type SwapAlignment } from '../shared/protocol.ts';
import { SWAP_CURVE_SEGMENTS, fillSwapCurves } from './swap-curve.ts';

/** Amplitude factor of SOFT_PEDAL_GAIN_DB (a module constant, so the audio path reads it without a call). */
export const SOFT_PEDAL_GAIN = 10 ** (SOFT_PEDAL_GAIN_DB / 20);

/** A note buffer as the engine holds it: immutable once built, shared by every voice that plays it. */
export interface BankSlot {
  readonly pitch: number;
  readonly bankId: number;
  readonly samples: Float32Array;
  /** Buffer frames read per output frame at zero bend (bank rate / context rate). */
  readonly rateRatio: number;
  readonly loopStartFrame: number;
  readonly loopEndFrame: number;
  readonly crossfadeFrames: number;
  /** How voices on the pitch's previous buffer swap to this one (null: unaligned, plain linear crossfade). */
  readonly swap: SwapAlignment | null;
}

/** Envelope stages. `Fade`: a steal's or all-sound-off's 5 ms fade, or a swap's outgoing voice; it does not count toward polyphony. */
export const Stage = Object.freeze({ Free: 0, Attack: 1, Hold: 2, Release: 3, Fade: 4 } as const);
/** One of Stage's values. */
export type Stage = (typeof Stage)[keyof typeof Stage];

/**
 * Mutable voice state, preallocated in the engine's pool. Fields start with values of their final representation
 * (doubles as 0.5 then reset) so V8 never changes an object's shape on the audio path.
 */
export class Voice {
  stage: Stage = Stage.Free;
  pitch = -1;
  bank: BankSlot | null = null;
  /** Read position in buffer frames (fractional). */
  positionFrames = 0.5;
  /** Velocity gain (velocity/127)². */
  gain = 0.5;
  /** Envelope level 0..1 of the last rendered frame. */
  env = 0.5;
  /** Envelope change per frame in the current stage. */
  envStep = 0.5;
  /** Frames until the current stage ends (Infinity while holding). */
  framesLeft = 0.5;
  /** Key is down. */
  gate = false;
  /** Key is up but the sustain pedal holds the note. */
  sustained = false;
  /** Caught by the sostenuto pedal (its key was down when the pedal went down): held until that pedal is up. */
  sostenuto = false;
  /** Start order, for "oldest first" stealing. */
  serial = 0;
  /** Context frame of the note-on (kept through a swap), for the stealing age rule; the engine writes it. */
  startFrame = 0.5;
  /** Envelope levels at the boundaries of a swap crossfade's segments (swap-curve.ts). */
  readonly curveLevels = new Float64Array(SWAP_CURVE_SEGMENTS + 1);
  /** Segments of the swap curve being followed (0: none), how many have started, and the curve's length in frames. */
  curveSegments = 0;
  curveSegment = 0;
  curveFrames = 0;

  constructor() {
    this.positionFrames = 0;
    this.gain = 0;
    this.env = 0;
    this.envStep = 0;
    this.framesLeft = 0;
    this.startFrame = 0;
  }

  /** True while a key or a pedal holds the note (a repeated note-on of its pitch releases it). */
  get held(): boolean {
    return this.gate || this.sustained || this.sostenuto;
  }

  /**
   * Starts the voice on `bank` at `velocity` 1..127 with an attack of `attackFrames` (0: full level at once); `soft`
   * (the soft pedal is down) scales the gain by SOFT_PEDAL_GAIN.
   */
  start(bank: BankSlot, velocity: number, attackFrames: number, serial: number, soft: boolean): void {
    this.bank = bank;
    this.pitch = bank.pitch;
    this.positionFrames = 0;
    this.gain = (velocity / 127) * (velocity / 127);
    if (soft) this.gain *= SOFT_PEDAL_GAIN;
    this.gate = true;
    this.sustained = false;
    this.sostenuto = false;
    this.serial = serial;
    this.curveSegments = 0;
    if (attackFrames > 0) {
      this.stage = Stage.Attack;
      this.env = 0;
      this.envStep = 1 / attackFrames;
      this.framesLeft = attackFrames;
    } else {
      this.stage = Stage.Hold;
      this.env = 1;
      this.envStep = 0;
      this.framesLeft = Infinity;
    }
  }

  /**
   * A bank swap (message handler only: it may allocate): this voice takes over held voice `from` on `bank` with the
   * same gain, key and pedal state and age, at the same time into the note plus the sender's phase offset when
   * `bank.swap` was measured against `from`'s buffer (wrapped into `bank`'s loop if past it), and fades in over
   * `frames` while `from` fades out, both on the compensated curve of swap-curve.ts.
   */
  takeOver(from: Voice, bank: BankSlot, frames: number): void {
    const old = from.bank!;
    const a = bank.swap;
    const aligned = a !== null && a.fromBankId === old.bankId && old.rateRatio === bank.rateRatio;
    let pos = (from.positionFrames * bank.rateRatio) / old.rateRatio + (aligned ? a.offsetFrames : 0);
    const loopLength = bank.loopEndFrame - bank.loopStartFrame;
    while (pos >= bank.loopEndFrame) pos -= loopLength;
    this.bank = bank;
    this.pitch = bank.pitch;
    this.positionFrames = pos;
    this.gain = from.gain;
    this.gate = from.gate;
    this.sustained = from.sustained;
    this.sostenuto = from.sostenuto;
    this.serial = from.serial;
    this.startFrame = from.startFrame;
    const segments = frames < SWAP_CURVE_SEGMENTS ? frames : SWAP_CURVE_SEGMENTS;
    fillSwapCurves(this.curveLevels, from.curveLevels, segments, from.env, aligned ? a.correlation : 1, aligned ? a.levelRatio : 1);
    this.followCurve(Stage.Attack, segments, frames);
    from.gate = false;
    from.sustained = false;
    from.sostenuto = false;
    from.followCurve(Stage.Fade, segments, frames);
  }

  /**
   * Follows `curveLevels` over `frames` in `segments` straight segments, in `stage` (Attack: ends held; Fade: ends).
   * renderVoice starts each segment, the first one included (this leaves a segment of 0 frames before it), so the
   * stepping runs only in its always-optimised loop: a rarely run method would box doubles in V8's interpreter.
   */
  private followCurve(stage: typeof Stage.Attack | typeof Stage.Fade, segments: number, frames: number): void {
    this.stage = stage;
    this.curveSegments = segments;
    this.curveSegment = 0;
    this.curveFrames = frames;
    this.env = this.curveLevels[0]!;
    this.envStep = 0;
    this.framesLeft = 0;
  }

  /** Ramps from the current level to 0 in `frames` (release, or `Fade` for steals), then the voice ends. */
  rampDown(stage: typeof Stage.Release | typeof Stage.Fade, frames: number): void {
    this.stage = stage;
    this.gate = false;
    this.sustained = false;
    this.sostenuto = false;
    this.curveSegments = 0;
    this.envStep = -this.env / frames;
    this.framesLeft = frames;
  }

  /** Back to the pool; drops the buffer reference so a swapped-out bank can be collected. */
  free(): void {
    this.stage = Stage.Free;
    this.bank = null;
    this.pitch = -1;
    this.gate = false;
    this.sustained = false;
    this.sostenuto = false;
    this.curveSegments = 0;
  }
}

/** Per-slice state shared by all voices; an object so no double is passed as a call argument (V8 would box it). */
export interface MixState {
  /** Pitch-bend frequency ratio, 2^(semitones / 12). */
  bendRatio: number;
}

/**
 * Adds voice `v` × its envelope × its gain into `out[from, to)`, reading `rateRatio × bendRatio` buffer frames per
 * output frame (bendRatio from `mix`). Returns false when the voice's envelope reached 0 (the caller frees it).
 *
 * The envelope is advanced before each frame, so an attack's first frame is already at 1/attackFrames (an onset is
 * audible on its scheduled frame) and a release's last frame is exactly 0.
 * The envelope is folded into the gain (one multiply per frame), and frames certainly before the crossfade run in a
 * branch-free stretch; the general frame handles the clamp at frame 0, the crossfade and the wrap (23 % faster).
 * Loop: in [loopEnd - crossfade, loopEnd) the output blends linearly toward the frame one loop length earlier; at
 * loopEnd the position jumps back by the loop length, where that earlier segment continues seamlessly.
 */
export function renderVoice(v: Voice, out: Float32Array, from: number, to: number, mix: MixState): boolean {
  const bank = v.bank!;
  const s = bank.samples;
  const inc = bank.rateRatio * mix.bendRatio;
  const loopEnd = bank.loopEndFrame;
  const loopLength = loopEnd - bank.loopStartFrame;
  const xfStart = loopEnd - bank.crossfadeFrames;
  const invXf = 1 / bank.crossfadeFrames;
  const gain = v.gain;
  let pos = v.positionFrames;
  let env = v.env;
  let i = from;
  while (i < to) {
    const left = v.framesLeft;
    const n = to - i < left ? to - i : left;
    const step = v.envStep * gain;
    let eg = env * gain;
    const end = i + n;
    while (i < end) {
      // Fast stretch: frames certainly before the crossfade (no blend, no wrap) and past frame 0 (no clamp).
      let fast = pos >= 1 ? Math.floor((xfStart - pos) / inc) - 1 : 0;
      if (fast > end - i) fast = end - i;
      const fastEnd = i + (fast > 0 ? fast : 0);
      for (; i < fastEnd; i++) {
        eg += step;
        const idx = pos | 0;
        const f = pos - idx;
        const xm1 = s[idx - 1]!;
        const x0 = s[idx]!;
        const x1 = s[idx + 1]!;
        const x2 = s[idx + 2]!;
        out[i] += (x0 + 0.5 * f * (x1 - xm1 + f * (2 * xm1 - 5 * x0 + 4 * x1 - x2 + f * (3 * (x0 - x1) + x2 - xm1)))) * eg;
        pos += inc;
      }
      if (i >= end) break;
      // One general frame: clamp at 0, crossfade, wrap.
      eg += step;
      let idx = pos | 0;
      let f = pos - idx;
      let xm1 = idx > 0 ? s[idx - 1]! : s[idx]!;
      let x0 = s[idx]!;
      let x1 = s[idx + 1]!;
      let x2 = s[idx + 2]!;
      let y = x0 + 0.5 * f * (x1 - xm1 + f * (2 * xm1 - 5 * x0 + 4 * x1 - x2 + f * (3 * (x0 - x1) + x2 - xm1)));
      if (pos >= xfStart) {
        const p2 = pos - loopLength;
        idx = p2 | 0;
        f = p2 - idx;
        xm1 = s[idx - 1]!;
        x0 = s[idx]!;
        x1 = s[idx + 1]!;
        x2 = s[idx + 2]!;
        const y2 = x0 + 0.5 * f * (x1 - xm1 + f * (2 * xm1 - 5 * x0 + 4 * x1 - x2 + f * (3 * (x0 - x1) + x2 - xm1)));
        y += (y2 - y) * (pos - xfStart) * invXf;
      }
      out[i] += y * eg;
      pos += inc;
      while (pos >= loopEnd) pos -= loopLength;
      i++;
    }
    env = eg / gain;
    v.framesLeft = left - n;
    if (left - n === 0) {
      const segment = v.curveSegment;
      const segments = v.curveSegments;
      if (segment < segments) {
        // A swap crossfade's next segment (swap-curve.ts), from its exact level; each ≥ 1 frame, summing to curveFrames.
        const total = v.curveFrames;
        const frames = Math.floor(((segment + 1) * total) / segments) - Math.floor((segment * total) / segments);
        env = v.curveLevels[segment]!;
        v.envStep = (v.curveLevels[segment + 1]! - env) / frames;
        v.framesLeft = frames;
        v.curveSegment = segment + 1;
        continue;
      }
      v.curveSegments = 0;
      if (v.stage === Stage.Attack) {
        env = 1;
        v.envStep = 0;
        v.framesLeft = Infinity;
        v.stage = Stage.Hold;
      } else {
        v.positionFrames = pos;
        v.env = 0;
        return false;
      }
    }
  }
  v.positionFrames = pos;
  v.env = env;
  return true;
}
