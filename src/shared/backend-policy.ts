/**
 * The one tfjs backend selection policy, for the page and its Workers (src/engine/backend.ts), the `gansynth` CLI
 * (src/node/backends.ts) and the trainer (trainer/src/train/backend.ts). Pure: each runtime describes what it has
 * (which backends exist there, what its adapter probes found, what the backend is for) and starts the backends
 * this module lists, in order; README.md ("Backends") states the same table, and test/unit/backend-policy.test.ts
 * checks every row of it.
 *
 * `auto`, first that starts wins (AUTO_ORDER):
 *   tensorflow (tfjs-node, when installed) > webgpu on a hardware adapter > webgl on a hardware renderer >
 *   wasm (inference) / cpu (training) > webgl on a software renderer > webgpu on a software adapter > cpu.
 * Software rasterisers (SwiftShader, llvmpipe, ...: `softwareAdapterName`) are passed over: a `paper` note takes
 * 20–90 s there against ~1.5 s on wasm on the same CPU; they are tried for inference only when wasm cannot start,
 * and never for training (cpu trains faster than SwiftShader and always starts). wasm never trains: tfjs-backend-wasm
 * has no Conv2DBackpropFilter kernel.
 * An explicit choice starts exactly that backend (on a software adapter too) or fails with an error naming it.
 */

/** Every tfjs backend some runtime of this project can start. */
export const BACKEND_NAMES = ['tensorflow', 'webgpu', 'webgl', 'wasm', 'cpu'] as const;
/** One of BACKEND_NAMES. */
export type BackendName = (typeof BACKEND_NAMES)[number];
/** What the backend is for: training needs gradient kernels (wasm has no Conv2DBackpropFilter). */
export type BackendPurpose = 'inference' | 'training';

/** What a runtime knows about one of its backends before starting anything. */
export interface BackendOffer {
  /** Why it cannot be used here (package not installed, no navigator.gpu, no adapter); absent: it can be tried. */
  readonly unavailable?: string;
  /** webgpu / webgl under `auto`: the software rasteriser its adapter probe found, null for hardware. */
  readonly software?: string | null;
}

/** A runtime as the policy sees it: what the backend is for, and the backends that exist there (others do not). */
export interface BackendEnvironment {
  readonly purpose: BackendPurpose;
  readonly backends: Readonly<Partial<Record<BackendName, BackendOffer>>>;
}

/** One row of the `auto` order. */
export interface AutoRow {
  readonly backend: BackendName;
  /** Which adapters the row takes (GPU backends); 'any' for backends without one. */
  readonly adapter: 'hardware' | 'software' | 'any';
  readonly purposes: readonly BackendPurpose[];
  /** Why it was chosen, for the reason line (`{software}` is the rasteriser's name). */
  readonly why: string;
}

const BOTH: readonly BackendPurpose[] = Object.freeze(['inference', 'training']);

/** The `auto` order (module header). Software rows: inference only, and only after wasm failed. */
export const AUTO_ORDER: readonly AutoRow[] = Object.freeze([
  { backend: 'tensorflow', adapter: 'any', purposes: BOTH, why: 'tfjs-node installed' },
  { backend: 'webgpu', adapter: 'hardware', purposes: BOTH, why: 'hardware adapter' },
  { backend: 'webgl', adapter: 'hardware', purposes: BOTH, why: 'hardware adapter' },
  { backend: 'wasm', adapter: 'any', purposes: ['inference'], why: 'no hardware GPU' },
  { backend: 'cpu', adapter: 'any', purposes: ['training'], why: 'no hardware GPU (wasm cannot train)' },
  { backend: 'webgl', adapter: 'software', purposes: ['inference'], why: 'software ({software}), nothing faster started' },
  { backend: 'webgpu', adapter: 'software', purposes: ['inference'], why: 'software ({software}), nothing faster started' },
  { backend: 'cpu', adapter: 'any', purposes: ['inference'], why: 'last resort' },
] satisfies AutoRow[]);

/** Why wasm cannot train, for the error of an explicit wasm in training. */
const WASM_CANNOT_TRAIN = 'tfjs-backend-wasm has no Conv2DBackpropFilter, so it cannot compute weight gradients';

/** One step of a plan: a backend passed over (its clause says why) or one to start. */
export type PlanStep =
  | { readonly kind: 'skip'; readonly backend: BackendName; readonly clause: string }
  | { readonly kind: 'try'; readonly backend: BackendName; readonly clause: string; readonly software?: string };

/** What to start, in order, for one choice in one environment. */
export interface BackendPlan {
  /** An explicit choice: its one backend must start, or selection fails naming it. */
  readonly explicit: boolean;
  readonly steps: readonly PlanStep[];
}

/** The backends a runtime offers for `purpose`, as a `--backend` / `backend` choice list: 'auto' first, table order. */
export function backendChoices<N extends BackendName>(offered: readonly N[], purpose: BackendPurpose): ['auto', ...N[]] {
  const names = BACKEND_NAMES.filter((n): n is N => (offered as readonly string[]).includes(n) && (purpose === 'inference' || n !== 'wasm'));
  return ['auto', ...names];
}

const adapterWord = (backend: BackendName) => (backend === 'webgl' ? 'renderer' : 'adapter');

/**
 * Pure: the plan for `choice` in `env`. Throws, naming the backend, when an explicit choice cannot be had here (not
 * in this runtime, unavailable, or wasm for training).
 */
export function planBackends(choice: BackendName | 'auto', env: BackendEnvironment): BackendPlan {
  if (choice !== 'auto') {
    const offer = env.backends[choice];
    if (env.purpose === 'training' && choice === 'wasm') {
      throw new Error(`backend wasm cannot train (${WASM_CANNOT_TRAIN}); use ${backendChoices(Object.keys(env.backends) as BackendName[], 'training').join(', ')}`);
    }
    if (!offer) throw new Error(`backend ${choice} is not available here (this runtime has ${Object.keys(env.backends).join(', ') || 'none'})`);
    if (offer.unavailable) throw new Error(`backend ${choice} could not be initialised here: ${offer.unavailable}`);
    return { explicit: true, steps: [{ kind: 'try', backend: choice, clause: `${choice}: as asked`, ...(offer.software ? { software: offer.software } : {}) }] };
  }
  const steps: PlanStep[] = [];
  const noted = new Set<BackendName>();
  for (const row of AUTO_ORDER) {
    const offer = env.backends[row.backend];
    if (!offer || !row.purposes.includes(env.purpose)) continue;
    if (offer.unavailable) {
      if (!noted.has(row.backend)) steps.push({ kind: 'skip', backend: row.backend, clause: `${row.backend}: unavailable (${offer.unavailable})` });
      noted.add(row.backend);
      continue;
    }
    const software = offer.software ?? null;
    if (row.adapter === 'hardware' && software !== null) {
      steps.push({ kind: 'skip', backend: row.backend, clause: `${row.backend}: software ${adapterWord(row.backend)} (${software}) passed over` });
      continue;
    }
    if (row.adapter === 'software' && software === null) continue;
    if (steps.some((s) => s.kind === 'try' && s.backend === row.backend)) continue; // cpu: tried once
    steps.push({
      kind: 'try', backend: row.backend, clause: `${row.backend}: ${row.why.replace('{software}', software ?? '')}`,
      ...(software !== null ? { software } : {}),
    });
  }
  return { explicit: false, steps };
}

/** What starting one step did: started (with the clause to report, when the runtime knows more), or why not. */
export type StartOutcome<T> = { readonly ok: true; readonly clause?: string; readonly value?: T } | { readonly ok: false; readonly error: string };

/** The backend a plan ended on and why: one clause per backend considered, `; `-separated. */
export interface PlanOutcome<T> {
  readonly backend: BackendName;
  readonly reason: string;
  /** The software rasteriser it runs on, when the plan knew (a software row of `auto`). */
  readonly software?: string;
  readonly value?: T;
}

/**
 * Walks `plan`, starting each 'try' step with `start` until one starts. An explicit plan's failure throws
 * `backend NAME could not be initialised here: WHY`; `auto` notes `NAME: failed to start (WHY)` and goes on, and
 * throws with every clause when nothing started.
 */
export async function runBackendPlan<T>(plan: BackendPlan, start: (step: Extract<PlanStep, { kind: 'try' }>) => Promise<StartOutcome<T>>): Promise<PlanOutcome<T>> {
  const clauses: string[] = [];
  for (const step of plan.steps) {
    if (step.kind === 'skip') {
      clauses.push(step.clause);
      continue;
    }
    const r = await start(step);
    if (r.ok) {
      return { backend: step.backend, reason: [...clauses, r.clause ?? step.clause].join('; '), ...(step.software ? { software: step.software } : {}), ...(r.value !== undefined ? { value: r.value } : {}) };
    }
    if (plan.explicit) throw new Error(`backend ${step.backend} could not be initialised here: ${r.error}`);
    clauses.push(`${step.backend}: failed to start (${r.error})`);
  }
  throw new Error(`no tfjs backend could be initialised: ${clauses.join('; ') || 'none offered'}`);
}
