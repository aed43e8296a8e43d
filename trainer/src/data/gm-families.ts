/**
 * General MIDI programs mapped to NSynth's 11 instrument families (bass, brass, flute, guitar, keyboard, mallet,
 * organ, reed, string, synth_lead, vocal). GM's 16 groups of 8 mostly map one-to-one; where a GM program is none of
 * NSynth's families (pads, sound effects, unpitched percussion) the nearest one is used and the choice is listed
 * here so it can be argued with.
 */
import { NSYNTH_FAMILIES } from './nsynth.ts';

/** An NSynth family name. */
export type NsynthFamily = (typeof NSYNTH_FAMILIES)[number];

// One entry per GM program 0–127.
const FAMILY_BY_PROGRAM: readonly NsynthFamily[] = Object.freeze([
  // 0–7 pianos
  ...Array<NsynthFamily>(8).fill('keyboard'),
  // 8 celesta (keyboard-played), 9–15 glockenspiel, music box, vibraphone, marimba, xylophone, tubular bells, dulcimer
  'keyboard', 'mallet', 'mallet', 'mallet', 'mallet', 'mallet', 'mallet', 'mallet',
  // 16–20 organs; 21 accordion, 22 harmonica, 23 tango accordion are free reeds
  'organ', 'organ', 'organ', 'organ', 'organ', 'reed', 'reed', 'reed',
  // 24–31 guitars
  ...Array<NsynthFamily>(8).fill('guitar'),
  // 32–39 basses
  ...Array<NsynthFamily>(8).fill('bass'),
  // 40–46 violin, viola, cello, contrabass, tremolo strings, pizzicato, harp; 47 timpani (struck) → mallet
  'string', 'string', 'string', 'string', 'string', 'string', 'string', 'mallet',
  // 48–51 string ensembles; 52–54 choir aahs, voice oohs, synth voice; 55 orchestra hit (mostly brass) → brass
  'string', 'string', 'string', 'string', 'vocal', 'vocal', 'vocal', 'brass',
  // 56–63 brass
  ...Array<NsynthFamily>(8).fill('brass'),
  // 64–71 saxes, oboe, english horn, bassoon, clarinet
  ...Array<NsynthFamily>(8).fill('reed'),
  // 72–79 piccolo, flute, recorder, pan flute, blown bottle, shakuhachi, whistle, ocarina
  ...Array<NsynthFamily>(8).fill('flute'),
  // 80–87 synth leads, 88–95 synth pads, 96–103 synth effects: NSynth has only synth_lead for synthesizers
  ...Array<NsynthFamily>(24).fill('synth_lead'),
  // 104 sitar, 105 banjo, 106 shamisen, 107 koto, 108 kalimba, 109 bagpipe, 110 fiddle, 111 shanai
  'guitar', 'guitar', 'guitar', 'string', 'mallet', 'reed', 'string', 'reed',
  // 112–119 tinkle bell, agogo, steel drums, woodblock, taiko, melodic tom, synth drum, reverse cymbal
  ...Array<NsynthFamily>(8).fill('mallet'),
  // 120 guitar fret noise, 121 breath noise, 122 seashore, 123 bird tweet, 124 telephone, 125 helicopter,
  // 126 applause, 127 gunshot: no NSynth family fits; nearest by source of the sound
  'guitar', 'flute', 'synth_lead', 'flute', 'synth_lead', 'synth_lead', 'synth_lead', 'synth_lead',
]);

if (FAMILY_BY_PROGRAM.length !== 128) throw new Error(`gm-families: table has ${FAMILY_BY_PROGRAM.length} entries, not 128`);

/** The NSynth family name and index for a GM program (0–127). */
export function gmProgramFamily(program: number): { family: NsynthFamily; familyIndex: number } {
  if (!Number.isInteger(program) || program < 0 || program > 127) throw new Error(`GM program must be 0..127, got ${program}`);
  const family = FAMILY_BY_PROGRAM[program];
  return { family, familyIndex: NSYNTH_FAMILIES.indexOf(family) };
}
