import type { BrowserContext, Page } from 'playwright-core';
import { startTestApp, type TestApp } from './app.ts';
import { launchBrowser, watchPage } from './browser.ts';
import { trainTinyModel } from './model.ts';

export interface AppSession {
  app: TestApp;
  context: BrowserContext;
  page: Page;
  /** Console errors and page errors seen so far (watchPage). */
  problems: string[];
  /** A tiny model trained for the session with `n2s train`. */
  modelDir: string;
  close(): Promise<void>;
}

/**
 * What every app-level browser test starts with: the app served over the bridge, a tiny trained
 * model, Chromium with a watched page and, unless `goto` is false, the shell loaded.
 */
export async function openAppSession(o: { goto?: boolean } = {}): Promise<AppSession> {
  const app = await startTestApp();
  const [modelDir, context] = await Promise.all([trainTinyModel(app.dataDir), launchBrowser()]);
  const page = await context.newPage();
  const { problems } = watchPage(page);
  if (o.goto !== false) {
    await page.goto(app.url);
    await page.locator('[data-testid="shell"][data-mode="bridge"]').waitFor({ timeout: 30_000 });
  }
  return {
    app, context, page, problems, modelDir,
    close: async () => {
      await context.close();
      await app.close();
    },
  };
}
