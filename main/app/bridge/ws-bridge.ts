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

/** Largest message accepted (a plane of 8192² float32 is 256 MiB; the renderer sends far less). */
export const MAX_PAYLOAD = 64 * 1024 * 1024;

export interface BridgeOptions {
  token: string;
  /** Origins allowed to connect, e.g. http://127.0.0.1:5173. */
  origins: string[];
}

export function attachBridge(server: Server, core: Pick<AppCore, 'dispatcher' | 'events' | 'log'>, opts: BridgeOptions): WebSocketServer {
  // noServer + our own upgrade routing: other upgrade requests on the same server (vite's HMR in
  // dev mode) are left alone instead of being refused by ws.
  // Over the limit, ws closes the connection with 1009 and reports an 'error' (handled below).
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD });
  wss.on('error', (e) => core.log.warn(`bridge: ${e.message}`));
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Every socket gets an error handler (a reset or a malformed frame must not end the process).
    socket.on('error', () => socket.destroy());
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    if (url.pathname !== BRIDGE_WS_PATH) return;
    const origin = req.headers.origin;
    if (url.searchParams.get('token') !== opts.token || (origin && !opts.origins.includes(origin))) {
      core.log.warn(`bridge: refused a connection from origin ${origin ?? '(none)'}`);
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    try {
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    } catch (e) {
      core.log.warn(`bridge: bad upgrade request: ${(e as Error).message}`);
      socket.destroy();
    }
  });
  wss.on('connection', (ws: WebSocket) => {
    const send = (m: BridgeServerMessage): void => {
      if (ws.readyState !== ws.OPEN) return;
      try {
        ws.send(encodeFrame(m));
      } catch (e) {
        core.log.warn(`bridge: could not send a message: ${(e as Error).message}`);
      }
    };
    const removeSink = core.events.addSink((channel, payload) => send({ t: 'event', channel, payload }));
    ws.on('close', removeSink);
    // Oversized or malformed frames (reserved opcodes, bad masking, invalid UTF-8): ws closes the
    // connection itself; the error is only logged, the server keeps running.
    ws.on('error', (e) => core.log.warn(`bridge: connection closed after a protocol error: ${e.message}`));
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
      })().catch((e: unknown) => core.log.warn(`bridge: a request failed: ${e instanceof Error ? e.message : String(e)}`));
    });
  });
  return wss;
}
