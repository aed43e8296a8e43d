/**
 * The pedals and the key-up rules they change (applied from process() at the event's frame; nothing allocates).
 *
 * A voice sounds on while its key is down (`gate`), or its key came up while the sustain pedal was down
 * (`sustained`), or the sostenuto pedal caught it (`sostenuto`: its key was down when that pedal went down). It
 * releases (normal release) when the last of these ends. The soft pedal changes how later notes start (voice.ts
 * start(): SOFT_PEDAL_GAIN_DB, SOFT_PEDAL_ATTACK_SEC), never a sounding note.
 */
import { Stage, type Voice } from './voice.ts';
import type { VoicePool } from './voice-pool.ts';

/** Pedal state plus the rules above, over the engine's pool. */
export class Pedals {
  sustainDown = false;
  sostenutoDown = false;
  softDown = false;

  constructor(private readonly pool: VoicePool) {}

  /** Key of `v` comes up (note-off, all-notes-off): it releases over `releaseFrames` unless a pedal holds it. */
  keyUp(v: Voice, releaseFrames: number): void {
    if (!v.gate) return;
    v.gate = false;
    if (this.sustainDown) v.sustained = true;
    if (!v.sustained && !v.sostenuto) v.rampDown(Stage.Release, releaseFrames);
  }

  /** CC64. Up: voices the sustain pedal held and nothing else holds release. */
  sustain(down: boolean, releaseFrames: number): void {
    this.sustainDown = down;
    if (down) return;
    const pool = this.pool;
    for (let k = 0; k < pool.activeCount; k++) {
      const v = pool.active[k]!;
      if (!v.sustained) continue;
      v.sustained = false;
      if (!v.gate && !v.sostenuto) v.rampDown(Stage.Release, releaseFrames);
    }
  }

  /**
   * CC66. Down (from up): catches the voices whose key is down now; a repeated down catches nothing new. Up: frees
   * the caught voices; those whose key is up and that the sustain pedal does not hold release.
   */
  sostenuto(down: boolean, releaseFrames: number): void {
    const pool = this.pool;
    if (down) {
      if (this.sostenutoDown) return;
      this.sostenutoDown = true;
      for (let k = 0; k < pool.activeCount; k++) {
        const v = pool.active[k]!;
        if (v.gate) v.sostenuto = true;
      }
      return;
    }
    this.sostenutoDown = false;
    for (let k = 0; k < pool.activeCount; k++) {
      const v = pool.active[k]!;
      if (!v.sostenuto) continue;
      v.sostenuto = false;
      if (!v.gate && !v.sustained) v.rampDown(Stage.Release, releaseFrames);
    }
  }

  /** CC121's pedal part: every pedal up (voices held only by pedals release). */
  reset(releaseFrames: number): void {
    this.sustain(false, releaseFrames);
    this.sostenuto(false, releaseFrames);
    this.softDown = false;
  }
}
