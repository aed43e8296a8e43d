/**
 * MIDI fuzzing with a fixed seed: mutated Standard MIDI Files through `parseMidiNotes` (what `gansynth render` and
 * the demo's MIDI renderer read), and random live messages through `MidiDispatcher` (what Web MIDI input feeds).
 * A file case passes when it parses into sane notes (finite times, pitches in 24..84, end ≥ start, velocity in
 * [0, 1]) or throws an `Error` with a message, within CASE_LIMIT_MS; a live case passes when the dispatcher does not
 * throw and only calls its sink with in-range values.
 */
import { parseMidiNotes } from '../src/midi/midi-notes.ts';
import { PITCH_MAX, PITCH_MIN } from '../src/shared/constants.ts';
import { SeededRandom } from '../src/shared/random.ts';
import { MidiDispatcher, type MidiSink } from '../src/ui/midi-dispatch.ts';
import { writeMidi } from '../support/midi-fixtures.ts';
import { describeError, isCleanError } from './verdict.ts';

/** A file case slower than this counts as a hang. */
const CASE_LIMIT_MS = 2000;

/** What one fuzz run found. */
export interface MidiFuzzFigures {
  fileCases: number;
  parsed: number;
  cleanErrors: number;
  liveCases: number;
  /** The failing cases (at most 20 kept), each with its seed index and what went wrong. */
  failures: string[];
  failureCount: number;
  slowestCaseMs: number;
}

/** Valid files the mutations start from: several tracks, a pedal, drums, a tempo, out-of-range pitches. */
function seedCorpus(): Uint8Array[] {
  return [
    writeMidi([{ notes: [{ pitch: 60, startSec: 0, durationSec: 0.5 }, { pitch: 64, startSec: 0.5, durationSec: 1 }] }]),
    writeMidi([
      { notes: [{ pitch: 48, startSec: 0, durationSec: 2 }], pedal: [{ timeSec: 0.1, down: true }, { timeSec: 1.5, down: false }] },
      { channel: 9, notes: [{ pitch: 36, startSec: 0, durationSec: 0.1 }] },
      { channel: 3, notes: [{ pitch: 12, startSec: 0.2, durationSec: 0.3 }, { pitch: 100, startSec: 0.4, durationSec: 0.3 }] },
    ], 93),
    writeMidi([{ notes: Array.from({ length: 40 }, (_, i) => ({ pitch: 30 + i, startSec: i * 0.05, durationSec: 0.2, velocity: (i % 10) / 10 + 0.05 })) }], 180),
  ];
}

type Mutation = (bytes: Uint8Array, rng: SeededRandom) => Uint8Array;

const MUTATIONS: Mutation[] = [
  // Flip a few bytes to random values.
  (b, r) => {
    const out = b.slice();
    for (let k = 1 + r.nextInt(4); k > 0; k--) out[r.nextInt(out.length)] = r.nextInt(256);
    return out;
  },
  // Cut the file short.
  (b, r) => b.slice(0, r.nextInt(b.length)),
  // Insert random bytes.
  (b, r) => {
    const at = r.nextInt(b.length);
    const junk = Uint8Array.from({ length: 1 + r.nextInt(16) }, () => r.nextInt(256));
    return Uint8Array.from([...b.slice(0, at), ...junk, ...b.slice(at)]);
  },
  // Delete a span.
  (b, r) => {
    const at = r.nextInt(b.length);
    return Uint8Array.from([...b.slice(0, at), ...b.slice(at + 1 + r.nextInt(8))]);
  },
  // Set a status-looking byte (0x80..0xFF) somewhere: running status, meta and sysex confusion.
  (b, r) => {
    const out = b.slice();
    out[14 + r.nextInt(Math.max(1, out.length - 14))] = 0x80 + r.nextInt(128);
    return out;
  },
  // Huge variable-length quantities (delta times, meta lengths).
  (b, r) => {
    const out = b.slice();
    const at = 22 + r.nextInt(Math.max(1, out.length - 26));
    for (let i = 0; i < 4 && at + i < out.length; i++) out[at + i] = i < 3 ? 0xff : 0x7f;
    return out;
  },
  // Header fields: track count, format, division (incl. SMPTE and 0).
  (b, r) => {
    const out = b.slice();
    const field = [10, 11, 8, 9, 12, 13][r.nextInt(6)]!;
    out[field] = r.nextInt(256);
    return out;
  },
  // Chunk lengths.
  (b, r) => {
    const out = b.slice();
    const at = r.next() < 0.3 ? 4 + r.nextInt(4) : 14 + 4 + r.nextInt(4);
    if (at < out.length) out[at] = r.nextInt(256);
    return out;
  },
];

function checkNotes(list: ReturnType<typeof parseMidiNotes>): string | null {
  for (const n of list.notes) {
    if (!Number.isFinite(n.startSec) || !Number.isFinite(n.endSec) || n.startSec < 0) return `note time ${n.startSec}..${n.endSec}`;
    if (n.endSec < n.startSec || n.keyUpSec < n.startSec || n.endSec < n.keyUpSec) return `note ends before it starts (${n.startSec}, ${n.keyUpSec}, ${n.endSec})`;
    if (!Number.isInteger(n.pitch) || n.pitch < PITCH_MIN || n.pitch > PITCH_MAX) return `pitch ${n.pitch} out of ${PITCH_MIN}..${PITCH_MAX}`;
    if (!(n.velocity >= 0 && n.velocity <= 1)) return `velocity ${n.velocity}`;
  }
  if (!Number.isFinite(list.durationSec)) return `durationSec ${list.durationSec}`;
  return null;
}

/** Sink that records a problem when a value is out of range. */
function checkingSink(problems: string[]): MidiSink {
  const range = (what: string, v: number, lo: number, hi: number) => {
    if (!(Number.isFinite(v) && v >= lo && v <= hi)) problems.push(`${what} ${v} outside ${lo}..${hi}`);
  };
  // Typed as MidiSink (no cast): a method added to the interface must be added here, or this does not compile.
  const sink: MidiSink = {
    noteOn: (p, v) => { range('noteOn pitch', p, 0, 127); range('velocity', v, 1, 127); },
    noteOff: (p) => range('noteOff pitch', p, 0, 127),
    sustain: () => {},
    sostenuto: () => {},
    softPedal: () => {},
    pitchBend: (v) => range('bend', v, -1, 1),
    bendRange: (s) => range('bend range', s, 0, 128),
    allSoundOff: () => {},
    allNotesOff: () => {},
    resetControllers: () => {},
    assignableControl: (c, v) => { range('controller', c, 0, 127); range('controller value', v, 0, 127); },
    programChange: (p) => range('program', p, 0, 127),
  };
  return sink;
}

/** Runs `fileCases` mutated files and `liveCases` live messages from `seed`. */
export function runMidiFuzz(fileCases: number, liveCases: number, seed = 20261126): MidiFuzzFigures {
  const corpus = seedCorpus();
  const rng = new SeededRandom(seed);
  const fig: MidiFuzzFigures = { fileCases, parsed: 0, cleanErrors: 0, liveCases, failures: [], failureCount: 0, slowestCaseMs: 0 };
  const fail = (what: string) => {
    fig.failureCount++;
    if (fig.failures.length < 20) fig.failures.push(what);
  };
  for (let i = 0; i < fileCases; i++) {
    let bytes = corpus[rng.nextInt(corpus.length)]!;
    for (let k = 1 + rng.nextInt(3); k > 0; k--) bytes = MUTATIONS[rng.nextInt(MUTATIONS.length)]!(bytes, rng);
    const t0 = performance.now();
    try {
      const problem = checkNotes(parseMidiNotes(bytes));
      if (problem) fail(`file case ${i}: parsed into a bad note list: ${problem}`);
      else fig.parsed++;
    } catch (e) {
      if (isCleanError(e)) fig.cleanErrors++;
      else fail(`file case ${i}: threw ${describeError(e)}`);
    }
    const ms = performance.now() - t0;
    fig.slowestCaseMs = Math.max(fig.slowestCaseMs, ms);
    if (ms > CASE_LIMIT_MS) fail(`file case ${i}: took ${ms.toFixed(0)} ms (limit ${CASE_LIMIT_MS})`);
  }
  for (let i = 0; i < liveCases; i++) {
    const problems: string[] = [];
    const d = new MidiDispatcher(checkingSink(problems));
    d.channel = rng.nextInt(17);
    for (let m = 0; m < 8; m++) {
      const msg = Array.from({ length: rng.nextInt(5) }, () => rng.nextInt(256));
      try {
        d.handle(msg, rng.next() < 0.5 ? undefined : rng.next() * 10);
      } catch (e) {
        problems.push(`threw on [${msg.join(', ')}]: ${(e as Error).message}`);
      }
    }
    if (problems.length) fail(`live case ${i}: ${problems[0]}`);
  }
  return fig;
}
