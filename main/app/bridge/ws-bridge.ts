/**
 * The loopback bridge: the same dispatcher and events as Electron IPC, carried over a WebSocket
 * as binary frames (shared/ipc/frame.ts). Only connections that present the session token and
 * come from the served page's own origin (or no origin, e.g. a test client) are accepted, so
 * other local web pages cannot drive the app.
 */
import type { IncomingMessage, Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { BRIDGE_WS_PATH, BridgeClientMessage, type BridgeServerMessage } from '../../../shared/ipc/bridge-protocol.ts';
import { decodeFrame, encodeFrame } from '../../../shared/ipc/frame.ts';
import type { AppCore } from '../core.ts';

export interface BridgeOptions {
  token: string;
  /** Origins allowed to connect, e.g. http://127.0.0.1:5173. */
  origins: string[];
}

export function attachBridge(server: Server, core: Pick<AppCore, 'dispatcher' | 'events' | 'log'>, opts: BridgeOptions): WebSocketServer {
  const wss = new WebSocketServer({
    server,
    path: BRIDGE_WS_PATH,
    maxPayload: 64 * 1024 * 1024,
    verifyClient: ({ req }: { req: IncomingMessage }) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const origin = req.headers.origin;
      const ok = url.searchParams.get('token') === opts.token && (!origin || opts.origins.includes(origin));
      if (!ok) core.log.warn(`bridge: refused a connection from origin ${origin ?? '(none)'}`);
      return ok;
    },
  });
  wss.on('connection', (ws: WebSocket) => {
    const send = (m: BridgeServerMessage): void => {
      if (ws.readyState === ws.OPEN) ws.send(encodeFrame(m));
    };
    const removeSink = core.events.addSink((channel, payload) => send({ t: 'event', channel, payload }));
    ws.on('close', removeSink);
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      void (async () => {
        let msg: BridgeClientMessage;
        try {
          if (!isBinary) throw new Error('text frames are not part of the protocol');
          const bytes = Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data;
          const parsed = BridgeClientMessage.safeParse(decodeFrame(bytes));
          if (!parsed.success) throw new Error('not a bridge invoke message');
          msg = parsed.data;
        } catch (e) {
          core.log.warn(`bridge: dropped a malformed message: ${(e as Error).message}`);
          return;
        }
        const reply = await core.dispatcher.dispatch(msg.channel, msg.payload);
        send({ t: 'reply', id: msg.id, reply });
      })();
    });
  });
  return wss;
}
