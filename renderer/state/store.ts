/**
 * A tiny observable store (the part of zustand we need): immutable state snapshots, so React's
 * useSyncExternalStore and the three.js renderer can both compare by reference.
 */
export type Listener<S> = (state: S, previous: S) => void;

export interface Store<S> {
  get(): S;
  set(update: Partial<S> | ((s: S) => Partial<S>)): void;
  subscribe(listener: Listener<S>): () => void;
}

export function createStore<S extends object>(initial: S): Store<S> {
  let state = initial;
  const listeners = new Set<Listener<S>>();
  return {
    get: () => state,
    set(update) {
      const patch = typeof update === 'function' ? update(state) : update;
      const previous = state;
      state = { ...state, ...patch };
      notifyAll([...listeners], (l) => l(state, previous));
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/**
 * Calls every listener even if one throws, then rethrows the first error: a failing listener must
 * not keep the others (the window's own re-render among them) from seeing the new state, and its
 * error must still reach the page's error reporting.
 */
export function notifyAll<L>(listeners: Iterable<L>, call: (l: L) => void): void {
  let first: { error: unknown } | null = null;
  for (const l of listeners) {
    try {
      call(l);
    } catch (error) {
      first ??= { error };
    }
  }
  if (first) throw first.error;
}
