/**
 * Dev/test server: the renderer in a plain browser, talking to the real main-process services
 * over the loopback bridge.
 *
 *   node --import tsx scripts/serve.ts [--port N] [--root DIR]… [--no-build | --dev] [--user-data DIR]
 *
 * Builds the renderer with vite (unless --no-build), serves it on 127.0.0.1 and prints the URL
 * (with its session token). --dev serves renderer/ from source through vite instead (edits show
 * up on reload; main-side code still needs a restart). --root folders are what the in-app open dialog may browse and open
 * (default: the current folder and the system temp folder).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { startBridgeServer } from '../main/app/bridge/serve.ts';
import { buildRenderer } from './build-renderer.ts';

const projectDir = fileURLToPath(new URL('..', import.meta.url));

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '5199' },
    root: { type: 'string', multiple: true },
    'no-build': { type: 'boolean', default: false },
    dev: { type: 'boolean', default: false },
    'user-data': { type: 'string' },
  },
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`serve: --port must be a port number, got ${values.port}\n`);
  process.exit(2);
}
const rendererDir = join(projectDir, 'dist', 'renderer');
if (!values['no-build'] && !values.dev) await buildRenderer();
const server = await startBridgeServer({
  rendererDir,
  port,
  core: {
    version: process.env.npm_package_version ?? '0.0.0',
    userDataDir: values['user-data'] ? resolve(values['user-data']) : mkdtempSync(join(tmpdir(), 'n2s-bridge-')),
    roots: (values.root ?? [process.cwd(), tmpdir()]).map((r) => resolve(r)),
  },
  dev: values.dev
    ? async (httpServer) => {
        const { createServer } = await import('vite');
        const vite = await createServer({
          configFile: join(projectDir, 'vite.config.ts'),
          server: { middlewareMode: true, hmr: { server: httpServer } },
          appType: 'spa',
        });
        return vite.middlewares;
      }
    : undefined,
});
process.stdout.write(`Noise2Stack Studio (browser bridge): ${server.url}\n`);
const stop = () => void server.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
