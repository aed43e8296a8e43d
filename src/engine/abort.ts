/** The error an aborted render or inversion rejects with (no tfjs here: the main thread's Worker client uses it too). */
export function abortError(message = 'render aborted'): Error {
  return typeof DOMException === 'function' ? new DOMException(message, 'AbortError') : Object.assign(new Error(message), { name: 'AbortError' });
}
