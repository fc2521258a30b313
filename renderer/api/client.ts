/**
 * The typed client the UI uses. In Electron the preload exposes the raw API as `window.n2s`; in a
 * browser there is none and the client connects to the loopback bridge instead.
 */
import { N2sError, type N2sApi, type N2sRawApi } from '../../shared/ipc/api.ts';
import type { EventChannel, EventPayload, InvokeChannel, InvokeRequest, InvokeResponse } from '../../shared/ipc/contract.ts';
import { bridgeUrlFromLocation, connectBridge } from './bridge-client.ts';

declare global {
  interface Window {
    n2s?: N2sRawApi;
  }
}

export function typedApi(raw: N2sRawApi): N2sApi {
  return {
    transport: raw.transport,
    async invoke<C extends InvokeChannel>(channel: C, request: InvokeRequest<C>): Promise<InvokeResponse<C>> {
      const reply = await raw.invoke(channel, request);
      if (!reply.ok) throw new N2sError(reply.error.code, reply.error.message);
      return reply.value as InvokeResponse<C>;
    },
    on<E extends EventChannel>(channel: E, listener: (payload: EventPayload<E>) => void): () => void {
      return raw.on(channel, (p) => listener(p as EventPayload<E>));
    },
  };
}

/** `onDisconnect` fires if the browser bridge's connection drops (never in Electron). */
export async function connectApi(onDisconnect?: () => void): Promise<N2sApi> {
  if (window.n2s) return typedApi(window.n2s);
  return typedApi(await connectBridge(bridgeUrlFromLocation(window.location), onDisconnect));
}
