/**
 * Shared set-up of the viewer's browser tests (not a test file itself): builds the standalone
 * harness with esbuild into a temp folder and opens it in headless Chromium (playwright-core,
 * WebGL2 through SwiftShader, a fresh profile).
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { type Page, chromium } from 'playwright-core';
import type { HarnessApi } from '../../renderer/viewer/harness.tsx';
import { CHROMIUM, CHROMIUM_FLAGS } from './helpers/browser.ts';


const VIEWER_DIR = fileURLToPath(new URL('../../renderer/viewer/', import.meta.url));

/** Bundle renderer/viewer/harness.tsx (+ harness.html) into outDir; returns the page's path. */
export async function buildHarness(outDir: string): Promise<string> {
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [join(VIEWER_DIR, 'harness.tsx')],
    outfile: join(outDir, 'harness.js'),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    logLevel: 'error',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  copyFileSync(join(VIEWER_DIR, 'harness.html'), join(outDir, 'harness.html'));
  return join(outDir, 'harness.html');
}

export const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'viewer');

export interface HarnessBrowser {
  /** Open harness.html?QUERY in a new page and wait for its scene to load. */
  open(query: string): Promise<Page>;
  close(): Promise<void>;
}

export async function startHarnessBrowser(): Promise<HarnessBrowser> {
  const work = mkdtempSync(join(tmpdir(), 'n2s-viewer-e2e-'));
  mkdirSync(ARTIFACTS, { recursive: true });
  const url = pathToFileURL(await buildHarness(join(work, 'harness'))).href;
  const context = await chromium.launchPersistentContext(join(work, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1280, height: 900 },
  });
  return {
    async open(query) {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      // functions sent with inPage are tsx-compiled and may call esbuild's keepNames helper
      await page.addInitScript({ content: 'globalThis.__name = (f) => f;' });
      // a fresh session id per page unless the query names one: display state persisted by one
      // test must not leak into another
      const session = query.includes('session=') ? '' : `&session=${Math.random().toString(36).slice(2)}`;
      await page.goto(`${url}?${query}${session}`);
      await page.waitForFunction(() => window.n2sViewer !== undefined, undefined, { timeout: 30_000 });
      await page.evaluate(() => window.n2sViewer.ready);
      assert.deepEqual(errors, [], 'page errors');
      return page;
    },
    async close() {
      await context.close();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/** Run a function on the harness API in the page (its source is sent, so it must be self-contained). */
export function inPage<T, A>(page: Page, fn: (h: HarnessApi, arg: A) => T, arg: A): Promise<T> {
  return page.evaluate(
    ({ src, a }) => {
      const f = new Function(`return (${src})`)() as (h: HarnessApi, a: unknown) => unknown;
      return f(window.n2sViewer, a);
    },
    { src: fn.toString(), a: arg },
  ) as Promise<T>;
}
