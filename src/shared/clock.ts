/**
 * A monotonic millisecond clock for timing renders in any runtime: `performance.now()` where the global exists
 * (browsers, Workers, Node ≥ 16), else `Date.now()`. Read through `globalThis` so modules compiled without the DOM
 * lib (src/shared, src/midi) can use it.
 */
export function nowMs(): number {
  const perf = (globalThis as { performance?: { now(): number } }).performance;
  return perf ? perf.now() : Date.now();
}
