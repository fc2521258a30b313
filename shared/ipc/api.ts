/**
 * The one API the renderer talks to: `window.n2s` in Electron (exposed by the preload), the same
 * shape over a loopback WebSocket in a browser (renderer/api/bridge-client.ts).
 */
import type { Reply } from './define.ts';
import type { EventChannel, EventPayload, InvokeChannel, InvokeRequest, InvokeResponse } from './contract.ts';

/** The raw surface the preload exposes: untyped channel strings, replies wrapped. */
export interface N2sRawApi {
  readonly transport: 'electron' | 'bridge';
  invoke(channel: string, payload: unknown): Promise<Reply<unknown>>;
  /** Returns an unsubscribe function. */
  on(channel: string, listener: (payload: unknown) => void): () => void;
}

/** The typed client the UI uses (renderer/api/client.ts wraps a raw API into this). */
export interface N2sApi {
  readonly transport: 'electron' | 'bridge';
  invoke<C extends InvokeChannel>(channel: C, request: InvokeRequest<C>): Promise<InvokeResponse<C>>;
  on<E extends EventChannel>(channel: E, listener: (payload: EventPayload<E>) => void): () => void;
}

/** The error a failed invoke rejects with: its message is readable as is. */
export class N2sError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'N2sError';
  }
}
