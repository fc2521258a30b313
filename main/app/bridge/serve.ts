/**
 * Starts the browser bridge: static renderer + WebSocket bridge on 127.0.0.1, both backed by one
 * real AppCore. Used by scripts/serve.ts (by hand) and by the e2e tests (in process).
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAppCore, type AppCore, type AppCoreOptions } from '../core.ts';
import { attachBridge } from './ws-bridge.ts';
import { createStaticServer, type DevMiddleware } from './static-server.ts';

export interface BridgeServer {
  url: string;
  port: number;
  token: string;
  core: AppCore;
  close(): Promise<void>;
}

export async function startBridgeServer(opts: {
  rendererDir: string;
  port?: number;
  core: Omit<AppCoreOptions, 'mode' | 'dialogs'>;
  /**
   * Development: serve the renderer from source through vite's middlewares (rebuilt on every
   * change, page reloads) instead of the built folder. Receives the HTTP server for vite's HMR socket.
   */
  dev?: (server: Server) => Promise<DevMiddleware>;
}): Promise<BridgeServer> {
  const core = createAppCore({ ...opts.core, mode: 'bridge', dialogs: null });
  const token = randomBytes(16).toString('hex');
  let origin = '';
  let middleware: DevMiddleware | null = null;
  const server = createStaticServer(opts.rendererDir, () => [origin.replace(/^http/, 'ws')], () => middleware);
  if (opts.dev) middleware = await opts.dev(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
  const wss = attachBridge(server, core, { token, origins: [origin] });
  let closing: Promise<void> | null = null;
  return {
    url: `${origin}/?token=${token}`,
    port,
    token,
    core,
    close() {
      closing ??= (async () => {
        for (const c of wss.clients) c.terminate();
        await new Promise<void>((r) => wss.close(() => r()));
        await new Promise<void>((r) => server.close(() => r()));
        await core.dispose();
      })();
      return closing;
    },
  };
}
