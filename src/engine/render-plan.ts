/**
 * Render order and batching as pure functions (no tfjs), so the priority rule is unit-tested on its own.
 */

/** One note to render: a latent and a MIDI pitch. */
export interface NoteRequest {
  readonly latent: Float32Array;
  readonly pitch: number;
}

/**
 * Request indices in render order: first the requests whose pitch is in `priority`, in priority order (all
 * requests of that pitch, in request order), then the rest in request order. Priority pitches nobody asked
 * for are ignored (a held key outside the requested set).
 */
export function orderRequests(requests: readonly { pitch: number }[], priority: readonly number[]): number[] {
  const byPitch = new Map<number, number[]>();
  requests.forEach((r, i) => {
    const list = byPitch.get(r.pitch);
    if (list) list.push(i);
    else byPitch.set(r.pitch, [i]);
  });
  const order: number[] = [];
  const taken = new Set<number>();
  for (const p of priority) {
    if (taken.has(p)) continue;
    taken.add(p);
    order.push(...(byPitch.get(p) ?? []));
  }
  requests.forEach((r, i) => {
    if (!taken.has(r.pitch)) order.push(i);
  });
  return order;
}

/** `orderRequests` for a list of pitches: the pitches in render order. */
export function orderPitches(pitches: readonly number[], priority: readonly number[] = []): number[] {
  return orderRequests(pitches.map((pitch) => ({ pitch })), priority).map((i) => pitches[i]!);
}

/**
 * Splits `order` into consecutive batches: the first of at most `firstBatch` (default `maxBatch`), the rest of at
 * most `maxBatch`. A small first batch makes the first (priority) note audible after one note's work, not a batch's.
 */
export function planBatches<T>(order: readonly T[], maxBatch: number, firstBatch = maxBatch): T[][] {
  if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new Error(`maxBatch must be a positive integer, got ${maxBatch}`);
  if (!Number.isInteger(firstBatch) || firstBatch < 1) throw new Error(`firstBatch must be a positive integer, got ${firstBatch}`);
  const out: T[][] = [];
  if (order.length > 0) out.push(order.slice(0, Math.min(firstBatch, maxBatch)));
  for (let i = out[0]?.length ?? 0; i < order.length; i += maxBatch) out.push(order.slice(i, i + maxBatch));
  return out;
}
