/**
 * What the voice engine does when a host queues more events than MAX_QUEUED_EVENTS (src/shared/protocol.ts): events
 * that end sound always get in, the others are refused, counted, and reported at most once per second of audio.
 * Runs in the message handler (it may allocate), never in process().
 */
import { MAX_QUEUED_EVENTS, type ErrorMessage, type ToWorklet } from '../shared/protocol.ts';
import { EventKind } from './event-queue.ts';

/**
 * True for events that end sound or a pedal (note-off, sustain / sostenuto / soft pedal up, all-notes-off,
 * all-sound-off, reset-all-controllers): never refused, whatever the queue holds, since a dropped note-off leaves its
 * note sounding forever and a dropped pedal-up leaves the pedal stuck. `a` is the event's first field (1: down).
 */
export function endsSound(kind: EventKind, a: number): boolean {
  switch (kind) {
    case EventKind.NoteOff:
    case EventKind.AllNotesOff:
    case EventKind.AllSoundOff:
    case EventKind.ResetControllers:
      return true;
    case EventKind.Sustain:
    case EventKind.Sostenuto:
    case EventKind.SoftPedal:
      return a === 0;
    default:
      return false;
  }
}

/** Counts refused events and says so without flooding the page: one `error` per second of audio at most. */
export class OverflowReporter {
  /** Every event refused since the engine started (the `droppedEvents` stat). */
  dropped = 0;
  private unreported = 0;
  private lastReportFrame = -1;

  /** Counts one refused event of message type `type` at frame `nowFrame`; returns the report to post, if one is due. */
  refuse(type: ToWorklet['type'], nowFrame: number, sampleRateHz: number): ErrorMessage | null {
    this.dropped++;
    this.unreported++;
    if (this.lastReportFrame >= 0 && nowFrame - this.lastReportFrame < sampleRateHz) return null;
    const since = this.lastReportFrame >= 0 ? `; ${this.unreported} events dropped since the last report` : '';
    this.unreported = 0;
    this.lastReportFrame = nowFrame;
    return {
      type: 'error', cause: type,
      message: `event queue full (${MAX_QUEUED_EVENTS} events waiting): ${type} dropped${since}; note-offs are never dropped; ` +
        'schedule fewer events ahead (stats.droppedEvents counts every one)',
    };
  }
}
