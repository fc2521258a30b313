/**
 * Segmentation in the browser through the bridge (issue 8, "Must show"): the high exposure is
 * segmented as the reference, a denoised result is segmented against it; the labels appear as a
 * labels layer over the image, are toggled, and exported as a uint16 TIFF with the input's
 * metadata. Screenshots: test-artifacts/segmentation/.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { readStack } from '../../main/io/index.ts';
import { stackToLabels } from '../../main/segment/labels.ts';
import type { TestApp } from './helpers/app.ts';
import { openAppSession } from './helpers/session.ts';
import { artifactsDir } from './helpers/browser.ts';

const SHOTS = artifactsDir('segmentation');
let app: TestApp;
let context: BrowserContext;
let page: Page;
let problems: string[];
let modelDir: string;

before(async () => {
  ({ app, context, page, problems, modelDir } = await openAppSession());
});

after(async () => {
  await context?.close();
  await app?.close();
});

const byTestId = (id: string) => page.locator(`[data-testid="${id}"]`);
const stacks = () => app.server.core.services.stacks.list();

async function waitForStacks(n: number): Promise<void> {
  for (let i = 0; i < 1200 && stacks().length < n; i++) await page.waitForTimeout(100);
  assert.ok(stacks().length >= n, `expected ${n} stacks, have ${stacks().length}`);
}

async function openSample(menu: string, sample: string): Promise<void> {
  const n = stacks().length;
  await byTestId('menu-file').click();
  await byTestId(menu).click();
  await byTestId(`sample-${sample}`).click();
  await waitForStacks(n + 1);
}

test('segment a denoised layer: labels layer over it, compared with the high exposure, toggled, exported', async () => {
  await openSample('menu-open-stack', 'microscopy-low');
  await openSample('menu-open-reference', 'microscopy-high');
  // Denoise the low exposure with a saved model (Train › Models).
  await byTestId('tab-train').click();
  await byTestId('models-load-path').fill(modelDir);
  await byTestId('models-load').click();
  await byTestId('models-target').selectOption(stacks()[0]!.stackId);
  await byTestId('model-apply-0').click();
  await waitForStacks(3);
  const denoised = stacks()[2]!;
  assert.match(denoised.name, /denoised/);

  // Reference labels: the high exposure, segmented with the same settings.
  await byTestId('tab-segment').click();
  await byTestId('segment-source').selectOption(stacks()[1]!.stackId);
  await byTestId('segment-run').click();
  await waitForStacks(4);
  const refLabels = stacks()[3]!;
  assert.equal(refLabels.meta.labels, true);

  await byTestId('segment-source').selectOption(denoised.stackId);
  await byTestId('segment-reference').selectOption(refLabels.stackId);
  await byTestId('segment-run').click();
  await waitForStacks(5);
  const labels = stacks()[4]!;
  assert.equal(labels.meta.labels, true);
  await page.getByText(/objects, Dice \d\.\d{3}, F1 \d\.\d{3}/).waitFor({ timeout: 30_000 });
  const status = await byTestId('segment-status').innerText();
  const dice = Number(status.match(/Dice (\d\.\d+)/)![1]);
  assert.ok(dice > 0.5, `denoised vs high-exposure segmentation: ${status}`);

  // The labels are a labels layer (drawn over the image) in the viewer's layer list.
  const row = page.locator(`[data-testid="layer-list"] [data-layer="${labels.name}"]`);
  await row.waitFor({ timeout: 30_000 });
  // The tooltip carries the full name (cut off in the list) and the kind.
  assert.equal((await row.locator('.n2s-layer-name').getAttribute('title')) ?? '', `${labels.name} (labels, 10×128×128)`);
  const visible = byTestId(`labels-visible-${labels.stackId}`);
  await page.waitForFunction((id) => !(document.querySelector(`[data-testid="labels-visible-${id}"]`) as HTMLInputElement | null)?.disabled, labels.stackId);
  assert.equal(await visible.isChecked(), true);
  await page.waitForTimeout(500);
  await page.screenshot({ path: join(SHOTS, '1-labels-over-denoised.png') });
  await visible.uncheck();
  assert.equal(await row.locator('input[type="checkbox"]').isChecked(), false, 'the viewer layer is hidden');
  await page.screenshot({ path: join(SHOTS, '2-labels-hidden.png') });
  await visible.check();
  assert.equal(await row.locator('input[type="checkbox"]').isChecked(), true);

  // Export the labels: a uint16 TIFF with the input's voxel size, holding the same objects.
  const out = join(app.dataDir, 'denoised-labels.tif');
  await byTestId('segment-export-path').fill(out);
  await byTestId(`labels-export-${labels.stackId}`).click();
  await page.getByText(/labels written to/).waitFor({ timeout: 30_000 });
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="segment-plot"]')?.getAttribute('data-points') ?? 0) > 0);
  await byTestId('segment-panel').screenshot({ path: join(SHOTS, '3-segment-panel.png') });
  const back = await readStack(out);
  assert.equal(back.meta.dtype, 'uint16');
  assert.deepEqual([back.depth, back.height, back.width], [denoised.depth, denoised.height, denoised.width]);
  for (const a of ['z', 'y', 'x'] as const) assert.ok(Math.abs(back.meta.voxelSize[a] - denoised.meta.voxelSize[a]) < 1e-4);
  const { count } = stackToLabels(back);
  const inMain = new Set(app.server.core.services.stacks.get(labels.stackId).data.filter((v) => v > 0)).size;
  assert.equal(count, inMain);
  assert.ok(count > 5, `${count} objects`);

  // The exported TIFF imports back as a labels overlay of the same stack.
  const n = stacks().length;
  await byTestId('segment-import-path').fill(out);
  await byTestId('segment-import').click();
  await waitForStacks(n + 1);
  const imported = stacks().at(-1)!;
  assert.equal(imported.meta.labels, true);
  assert.match(imported.name, /imported/);
  await page.locator(`[data-testid="layer-list"] [data-layer="${imported.name}"]`).waitFor({ timeout: 30_000 });
  assert.deepEqual(Array.from(app.server.core.services.stacks.get(imported.stackId).data), Array.from(app.server.core.services.stacks.get(labels.stackId).data));
  assert.deepEqual(problems, []);
});

test('segment all sources: low exposure and denoised compared with the high exposure in one table', async () => {
  const before = stacks().length;
  await byTestId('segment-all').click();
  await page.getByText(/segmented 3 sources; compared with/).waitFor({ timeout: 120_000 });
  assert.equal(stacks().length, before + 3);
  const table = await byTestId('segment-compare').innerText();
  for (const name of ['20 ms (noisy)', '(denoised)', '100 ms (reference)']) assert.ok(table.includes(name), `${name} in ${table}`);
  assert.match(table, /20 ms \(noisy\)\s+\d+\s+[\d.]+\s+0\.\d{3}\s+0\.\d{3}/, 'low exposure has Dice and F1 vs the reference');
  await byTestId('segment-panel').screenshot({ path: join(SHOTS, '4-segment-all-sources.png') });
  assert.deepEqual(problems, []);
});
