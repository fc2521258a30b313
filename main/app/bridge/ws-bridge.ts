/**
 * The loopback bridge: the same dispatcher and events as Electron IPC, carried over a WebSocket
 * as binary frames (shared/ipc/frame.ts). Only connections that present the session token and
 * come from the served page's own origin (or no origin, e.g. a test client) are accepted, so
 * other local web pages cannot drive the app.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
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
  // noServer + our own upgrade routing: other upgrade requests on the same server (vite's HMR in
  // dev mode) are left alone instead of being refused by ws.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 * 1024 });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== BRIDGE_WS_PATH) return;
    const origin = req.headers.origin;
    if (url.searchParams.get('token') !== opts.token || (origin && !opts.origins.includes(origin))) {
      core.log.warn(`bridge: refused a connection from origin ${origin ?? '(none)'}`);
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
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
