/**
 * Audio and model constants of GANSynth (Engel et al., ICLR 2019), as in Magenta's
 * `magenta/models/gansynth` and magenta-js `music/src/gansynth`. Pure data, importable everywhere.
 */

/** Sample rate of the generated audio. */
export const MODEL_SAMPLE_RATE_HZ = 16000;
/** Length of one generated note: 4 s at 16 kHz. */
export const NOTE_LENGTH_SAMPLES = 64000;
/** Lowest MIDI pitch the model knows (one-hot index 0). */
export const PITCH_MIN = 24;
/** Highest MIDI pitch the model knows. */
export const PITCH_MAX = 84;
/** Number of pitch classes of the conditioning one-hot (61). */
export const PITCH_COUNT = PITCH_MAX - PITCH_MIN + 1;
/** Size of the latent vector z. */
export const LATENT_SIZE = 256;
/** Duration of one note in seconds. */
export const NOTE_DURATION_SEC = NOTE_LENGTH_SAMPLES / MODEL_SAMPLE_RATE_HZ;

/** All MIDI pitches of a bank, low to high. */
export const BANK_PITCHES: readonly number[] = Object.freeze(
  Array.from({ length: PITCH_COUNT }, (_, i) => PITCH_MIN + i),
);
