/**
 * Live MIDI timing: Web MIDI stamps each message with the moment it arrived (performance.now() ms), but the page
 * handles it later, after whatever the main thread was doing. With a latency budget L, a message is scheduled on
 * the AudioContext so that it is heard L seconds after it arrived: constant latency instead of jitter. A message
 * whose moment is already rendered (L too small, or the page too late) plays at once. L = 0: always at once.
 */

/** A pairing of the two clocks: `contextTime` (s) was being heard at `performanceTime` (ms). */
export interface ClockStamp {
  readonly contextTime: number;
  readonly performanceTime: number;
}

/**
 * The context time for a message stamped `eventMs` to be heard `latencySec` after it arrived, or undefined for
 * "now" (no budget, or that moment is no later than `currentTime`, which the context has already rendered).
 */
export function scheduledContextTime(eventMs: number, stamp: ClockStamp, latencySec: number, currentTime: number): number | undefined {
  if (!(latencySec > 0) || !Number.isFinite(eventMs)) return undefined;
  const heardAt = stamp.contextTime + (eventMs - stamp.performanceTime) / 1000 + latencySec;
  return heardAt > currentTime ? heardAt : undefined;
}

/**
 * The clock pairing of `ctx` now: AudioContext.getOutputTimestamp() when it gives one (the time at the speakers),
 * else currentTime against performance.now() (an OfflineAudioContext, or a context not yet playing).
 */
export function clockStamp(ctx: BaseAudioContext, nowMs: number = performance.now()): ClockStamp {
  const out = 'getOutputTimestamp' in ctx ? (ctx as AudioContext).getOutputTimestamp() : undefined;
  if (out && out.contextTime !== undefined && out.performanceTime !== undefined && out.performanceTime > 0) {
    return { contextTime: out.contextTime, performanceTime: out.performanceTime };
  }
  return { contextTime: ctx.currentTime, performanceTime: nowMs };
}

/** What a player waits for between a key and its sound, ms, by cause. */
export interface PlayingLatency {
  /** `AudioContext.baseLatency`: the context's own buffering. */
  readonly baseMs: number;
  /** `AudioContext.outputLatency`: the audio device's (0 where the browser cannot tell). */
  readonly outputMs: number;
  /** The live MIDI budget (`midi-latency-ms`). */
  readonly midiMs: number;
  readonly totalMs: number;
}

/** The latency of `ctx` (none for an OfflineAudioContext or before there is one) plus the MIDI budget. */
export function playingLatency(ctx: BaseAudioContext | undefined, midiLatencyMs: number): PlayingLatency {
  const live = ctx as Partial<AudioContext> | undefined;
  const ms = (sec: number | undefined) => (Number.isFinite(sec) ? sec! * 1000 : 0);
  const baseMs = ms(live?.baseLatency);
  const outputMs = ms(live?.outputLatency);
  const midiMs = Number.isFinite(midiLatencyMs) ? midiLatencyMs : 0;
  return { baseMs, outputMs, midiMs, totalMs: baseMs + outputMs + midiMs };
}
