/**
 * The app shell in a real browser (issue 5): Debian's Chromium loads the built renderer from the
 * loopback bridge, which runs the real main-process services. The page opens a sample stack,
 * denoises it with a tiny model trained through `n2s train` (progress visible until the job
 * ends), and shows a readable error for a file that is not an image. Screenshots:
 * test-artifacts/shell/.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import type { TestApp } from './helpers/app.ts';
import { openAppSession } from './helpers/session.ts';
import { artifactsDir } from './helpers/browser.ts';

const SHOTS = artifactsDir('shell');
let app: TestApp;
let context: BrowserContext;
let page: Page;
let problems: string[];
let modelDir: string;

before(async () => {
  ({ app, context, page, problems, modelDir } = await openAppSession({ goto: false }));
});

after(async () => {
  await context?.close();
  await app?.close();
});

const byTestId = (id: string) => page.locator(`[data-testid="${id}"]`);

async function openFromMenu(): Promise<void> {
  await byTestId('menu-file').click();
  await byTestId('menu-open-stack').click();
  await byTestId('open-dialog').waitFor();
}

test('the app loads in the browser and talks to main over the bridge', async () => {
  await page.goto(app.url);
  await page.locator('[data-testid="shell"][data-mode="bridge"]').waitFor({ timeout: 30_000 });
  await byTestId('menu-file').waitFor();
  await byTestId('jobs-bar').waitFor();
  await page.screenshot({ path: join(SHOTS, '1-loaded.png') });
  assert.deepEqual(problems, []);
});

test('a sample stack opens through File › Open stack…', async () => {
  await openFromMenu();
  await byTestId('sample-microscopy-low').click();
  await page.locator('[data-testid="job-open-stack"][data-state="done"]').waitFor({ timeout: 60_000 });
  await byTestId('tab-stack-info').click();
  const info = byTestId('stack-info');
  await info.getByText('Synthetic nuclei — 20 ms (noisy)').waitFor();
  assert.match(await info.innerText(), /10×128×128/);
  assert.match(await info.innerText(), /2 × 0\.65 × 0\.65 µm/);
  await page.waitForTimeout(500); // let the viewer draw its first frame for the screenshot
  await page.screenshot({ path: join(SHOTS, '2-sample-open.png') });
  assert.deepEqual(problems, []);
});

test('a denoising job runs with visible progress and its result opens as a new layer', async () => {
  await byTestId('tab-denoise').click();
  // The model folder is chosen with the in-app chooser (the browser has no native dialog).
  await byTestId('denoise-model-choose').click();
  await byTestId('path-chooser').waitFor();
  await byTestId('entry-tiny-model').click();
  await page.locator('[data-testid="path-chooser"] .dir-path', { hasText: 'tiny-model' }).waitFor();
  await byTestId('path-chooser-ok').click();
  assert.equal(await byTestId('denoise-model').inputValue(), modelDir);
  // Record every state the job's progress bar shows, as the user would see it.
  await page.evaluate(() => {
    const seen: { state: string; value: number | null }[] = [];
    (window as unknown as { __progress: typeof seen }).__progress = seen;
    new MutationObserver(() => {
      const row = document.querySelector('[data-testid="job-denoise"]');
      const bar = row?.querySelector('progress');
      if (row && bar) seen.push({ state: row.getAttribute('data-state') ?? '', value: bar.hasAttribute('value') ? bar.value : null });
    }).observe(document.body, { subtree: true, childList: true, attributes: true });
  });
  await byTestId('denoise-run').click();
  await page.locator('[data-testid="job-denoise"][data-state="running"]').waitFor({ timeout: 30_000 });
  await page.screenshot({ path: join(SHOTS, '3-denoising.png') });
  await page.locator('[data-testid="job-denoise"][data-state="done"]').waitFor({ timeout: 120_000 });
  const seen = await page.evaluate(() => (window as unknown as { __progress: { state: string; value: number | null }[] }).__progress);
  const running = seen.filter((s) => s.state === 'running' && s.value !== null).map((s) => s.value as number);
  assert.ok(running.some((v) => v > 0 && v < 100), `intermediate progress shown: ${JSON.stringify(running)}`);
  for (let i = 1; i < running.length; i++) assert.ok(running[i] >= running[i - 1], 'progress never goes back');
  assert.equal(seen.at(-1)?.state, 'done');

  await byTestId('tab-stack-info').click();
  await byTestId('stack-info').getByText(/\(denoised\)/).waitFor();
  assert.match(await byTestId('stack-info').innerText(), /10×128×128[\s\S]*result/);
  // Main holds the result: same shape, finite values, not a copy of the input.
  const [input, output] = app.server.core.services.stacks.list();
  assert.equal(output.role, 'result');
  const a = app.server.core.services.stacks.get(input.stackId).data;
  const b = app.server.core.services.stacks.get(output.stackId).data;
  assert.equal(b.length, a.length);
  assert.ok(b.every(Number.isFinite));
  assert.ok(b.some((v, i) => v !== a[i]));
  await page.waitForTimeout(500);
  await page.screenshot({ path: join(SHOTS, '4-denoised.png') });
  assert.deepEqual(problems, []);
});

test('a file that is not an image gives a readable error in the UI', async () => {
  const bad = join(app.dataDir, 'broken.tif');
  writeFileSync(bad, 'II*\0 this is not really a TIFF');
  await openFromMenu();
  await byTestId('open-path').fill(bad);
  await byTestId('open-path-submit').click();
  const notice = byTestId('notice-error').last();
  await notice.waitFor({ timeout: 60_000 });
  const text = await notice.innerText();
  assert.match(text, /broken\.tif/);
  assert.match(text, /^Opening the stack failed: /);
  assert.doesNotMatch(text, /\bat .*\.(ts|js):\d+|internal error/, 'no stack trace, not an internal error');
  assert.ok(text.length < 300, `short enough to read: ${text.length} chars`);
  await page.screenshot({ path: join(SHOTS, '5-bad-file.png') });

  // A path outside what the app may read is refused, with the reason (dialog opened by Ctrl+O this time).
  await page.keyboard.press('Control+o');
  await byTestId('open-dialog').waitFor();
  await byTestId('open-path').fill('/etc/hostname');
  await byTestId('open-path-submit').click();
  await page.getByText(/not allowed to open \/etc\/hostname/).waitFor();
  assert.deepEqual(problems, []);
});

test('a running job is cancelled from the jobs bar; its worker ends', async () => {
  // A stack big enough that denoising takes a while: 48 planes of 256², written by tifffile.
  const big = join(app.dataDir, 'big.tif');
  execFileSync('/usr/bin/python3', [
    '-c',
    `import numpy as np, tifffile; r = np.random.default_rng(1); tifffile.imwrite(${JSON.stringify(big)}, (100 + 20 * r.standard_normal((48, 256, 256))).astype(np.float32), imagej=True, metadata={'axes': 'ZYX'})`,
  ]);
  // big.tif is on another grid (256², no voxel size) than the open stacks: close them first, or
  // the viewer refuses it. Closing a layer closes its stack in main.
  const close = page.locator('[data-testid="layer-list"] [data-testid="layer-close"]');
  while ((await close.count()) > 0) await close.first().click();
  for (let i = 0; i < 100 && app.server.core.services.stacks.list().length > 0; i++) await page.waitForTimeout(100);
  assert.equal(app.server.core.services.stacks.list().length, 0);
  await openFromMenu();
  await byTestId('open-path').fill(big);
  await byTestId('open-path-submit').click();
  await page.locator('[data-testid="job-open-stack"][data-state="done"]').waitFor({ timeout: 60_000 });
  await byTestId('tab-denoise').click();
  await byTestId('denoise-model').fill(modelDir);
  await byTestId('denoise-run').click();
  const row = page.locator('[data-testid="job-denoise"][data-state="running"]');
  await row.waitFor({ timeout: 30_000 });
  await page.waitForFunction(() => {
    const bar = document.querySelector('[data-testid="job-denoise"][data-state="running"] progress') as HTMLProgressElement | null;
    return !!bar && bar.hasAttribute('value') && bar.value > 0;
  }, undefined, { timeout: 60_000 });
  await row.locator('[data-testid="job-cancel"]').click();
  await page.locator('[data-testid="job-denoise"][data-state="cancelled"]').waitFor({ timeout: 30_000 });
  await page.screenshot({ path: join(SHOTS, '6-cancelled.png') });
  const jobs = app.server.core.jobs.list().filter((j) => j.kind === 'denoise');
  assert.equal(jobs.at(-1)?.state, 'cancelled');
  assert.equal(app.server.core.jobs.activeWorkers(), 0);
  assert.equal(app.server.core.services.stacks.list().filter((s) => s.role === 'result').length, 0, 'no result from the cancelled run');
  assert.equal(await page.getByText(/Denoising failed/).count(), 0, 'a cancel is not reported as a failure');
  assert.deepEqual(problems, []);
});

test('if the main process goes away, the page says so instead of failing silently', async () => {
  await app.close();
  await page.getByText(/Lost the connection to the app/).waitFor({ timeout: 10_000 });
  await page.screenshot({ path: join(SHOTS, '7-disconnected.png') });
  assert.deepEqual(problems, []);
});
