/**
 * What counts as a clean failure across the fault suite: an Error (our own subclasses included) that is not one of
 * JavaScript's crash classes, with a message, naming `mustName` (a file, directory or URL) when given.
 */

/** Errors that mean a crash in our code or a library's, not a diagnosis. */
const CRASH_CLASSES = new Set(['TypeError', 'RangeError', 'ReferenceError', 'SyntaxError', 'EvalError', 'URIError']);

/** Whether `e` is a clean, diagnosing error (see the file header). */
export function isCleanError(e: unknown, mustName?: string): boolean {
  if (!(e instanceof Error) || CRASH_CLASSES.has(e.constructor.name) || e.message.length === 0) return false;
  return mustName === undefined || e.message.includes(mustName);
}

/** One line describing any thrown value, for failure lists. */
export function describeError(e: unknown): string {
  return e instanceof Error ? `${e.constructor.name}: ${e.message.slice(0, 300)}` : `non-Error thrown: ${String(e).slice(0, 300)}`;
}
