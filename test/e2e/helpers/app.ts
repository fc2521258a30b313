/**
 * The app as a browser sees it: the renderer built once per test process, served by the real
 * bridge (real main-process services, worker jobs) on a free loopback port.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBridgeServer, type BridgeServer } from '../../../main/app/bridge/serve.ts';
import { buildRenderer } from '../../../scripts/build-renderer.ts';

let built: Promise<string> | null = null;

/**
 * vite build of renderer/ into a folder of this test process (once; N2S_E2E_NO_BUILD=1 serves an
 * existing dist/renderer). Test files run two at a time, and a shared dist/renderer was emptied by
 * the next file's build while the journey reloaded its page, which then got "not found".
 */
export function ensureRendererBuilt(): Promise<string> {
  if (process.env.N2S_E2E_NO_BUILD === '1') return Promise.resolve(fileURLToPath(new URL('../../../dist/renderer', import.meta.url)));
  if (!built) {
    const dir = mkdtempSync(join(tmpdir(), 'n2s-e2e-renderer-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    built = buildRenderer(dir);
  }
  return built;
}

export interface TestApp {
  server: BridgeServer;
  /** Folder the in-app open dialog may browse and open (the bridge's root). */
  dataDir: string;
  url: string;
  close(): Promise<void>;
}

export async function startTestApp(opts: { dataDir?: string } = {}): Promise<TestApp> {
  const rendererDir = await ensureRendererBuilt();
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'n2s-e2e-data-'));
  const server = await startBridgeServer({
    rendererDir,
    core: { version: 'e2e', userDataDir: mkdtempSync(join(tmpdir(), 'n2s-e2e-user-')), roots: [dataDir] },
  });
  return { server, dataDir, url: server.url, close: () => server.close() };
}
