/**
 * Generator weight smoothing: tf.train.ExponentialMovingAverage(decay) without num_updates, as Magenta
 * (shadow ← decay·shadow + (1−decay)·θ after each generator step; shadows start at the initial weights).
 * The shadows are what export writes (Magenta's `.../ExponentialMovingAverage` variables).
 */
import * as tf from '@tensorflow/tfjs-core';

/** Shadow copies of named variables. */
export class Ema {
  shadows: Record<string, tf.Tensor> = {};

  constructor(readonly decay: number, vars: Record<string, tf.Tensor>) {
    for (const [name, v] of Object.entries(vars)) this.shadows[name] = tf.clone(v);
  }

  /**
   * One averaging step over `names` (default: every variable). The trainer passes the variables its optimiser just
   * changed: a block not grown yet keeps its shadow equal to its initial weights, exactly, as in Magenta, where the
   * block and its average are created at its stage (averaging an unchanged weight only adds float32 rounding, and
   * cost 12 % of a paper stage-0 step on tfjs-cpu).
   */
  update(vars: Record<string, tf.Tensor>, names: Iterable<string> = Object.keys(vars)): void {
    for (const name of names) {
      const v = vars[name];
      if (!v) throw new Error(`EMA update of unknown variable ${name}`);
      const old = this.shadows[name];
      if (!old) throw new Error(`EMA has no shadow for ${name}`);
      this.shadows[name] = tf.tidy(() => tf.add(tf.mul(old, this.decay), tf.mul(v, 1 - this.decay)));
      old.dispose();
    }
  }

  /** Replaces the shadows; takes ownership of the tensors. */
  restore(shadows: Record<string, tf.Tensor>): void {
    this.dispose();
    this.shadows = { ...shadows };
  }

  /** Frees the shadows. */
  dispose(): void {
    for (const t of Object.values(this.shadows)) t.dispose();
    this.shadows = {};
  }
}
