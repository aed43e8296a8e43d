/**
 * Adam as TF1's tf.train.AdamOptimizer (Magenta's optimiser): lr_t = lr·√(1−β2^t)/(1−β1^t),
 * m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g², θ ← θ − lr_t·m/(√v + ε). Own implementation (not
 * tf.train.adam) so that every moment and the step counter are plain data a checkpoint saves and restores
 * exactly. Variables that get no gradient in a step (blocks not yet grown) are left untouched, as in TF.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Adam hyperparameters. */
export interface AdamConfig {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

/** Checkpointable optimiser state. */
export interface AdamState {
  /** Update count since the last reset (TF's beta1_power = β1^t, beta2_power = β2^t). */
  t: number;
  m: Record<string, tf.Tensor>;
  v: Record<string, tf.Tensor>;
}

/** Adam over named variables. */
export class Adam {
  t = 0;
  m: Record<string, tf.Tensor> = {};
  v: Record<string, tf.Tensor> = {};

  constructor(readonly config: AdamConfig) {}

  /** One update of `vars` by `grads` (both keyed by parameter name). */
  apply(vars: Record<string, tf.Variable>, grads: Record<string, tf.Tensor>): void {
    this.t += 1;
    const { learningRate, beta1, beta2, epsilon } = this.config;
    const lrT = (learningRate * Math.sqrt(1 - beta2 ** this.t)) / (1 - beta1 ** this.t);
    for (const [name, g] of Object.entries(grads)) {
      const variable = vars[name];
      if (!variable) throw new Error(`gradient for unknown variable ${name}`);
      const oldM = this.m[name];
      const oldV = this.v[name];
      const [m, v] = tf.tidy(() => {
        const m1 = oldM ? tf.add(tf.mul(oldM, beta1), tf.mul(g, 1 - beta1)) : tf.mul(g, 1 - beta1);
        const v1 = oldV ? tf.add(tf.mul(oldV, beta2), tf.mul(tf.square(g), 1 - beta2)) : tf.mul(tf.square(g), 1 - beta2);
        variable.assign(tf.sub(variable, tf.mul(tf.div(m1, tf.add(tf.sqrt(v1), epsilon)), lrT)));
        return [m1, v1];
      });
      oldM?.dispose();
      oldV?.dispose();
      this.m[name] = m!;
      this.v[name] = v!;
    }
  }

  /** Forgets the moments and the step count (Magenta starts fresh optimiser slots at every stage). */
  reset(): void {
    for (const t of [...Object.values(this.m), ...Object.values(this.v)]) t.dispose();
    this.m = {};
    this.v = {};
    this.t = 0;
  }

  /** The state (tensors are shared, not copied). */
  state(): AdamState {
    return { t: this.t, m: this.m, v: this.v };
  }

  /** Replaces the state; takes ownership of the tensors. */
  restore(state: AdamState): void {
    this.reset();
    this.t = state.t;
    this.m = { ...state.m };
    this.v = { ...state.v };
  }
}
