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
      for (const l of [...listeners]) l(state, previous);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
