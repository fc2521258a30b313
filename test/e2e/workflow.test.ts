/**
 * The denoising workflow panels in a real browser through the bridge (issue 7, "Must show"):
 * the neighbour diagram for K = 2 self-supervised (i±1, i±2 for a middle plane; replicated planes
 * for plane 0), the plane-similarity plot, a tiny training run whose loss plot gains points and
 * whose progress bar advances until it is cancelled, a saved model loaded, applied and the result
 * exported to a TIFF that carries the input's metadata (plus its report), and the evaluation.
 * Screenshots of each panel: test-artifacts/workflow/.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { readStack } from '../../main/io/index.ts';
import type { TestApp } from './helpers/app.ts';
import { openAppSession } from './helpers/session.ts';
import { artifactsDir } from './helpers/browser.ts';

const SHOTS = artifactsDir('workflow');
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

async function openSample(menu: 'menu-open-stack' | 'menu-open-reference', sample: string): Promise<void> {
  const before = app.server.core.services.stacks.list().length;
  await byTestId('menu-file').click();
  await byTestId(menu).click();
  await byTestId('open-dialog').waitFor();
  await byTestId(`sample-${sample}`).click();
  await page.waitForFunction(() => true);
  for (let i = 0; i < 600 && app.server.core.services.stacks.list().length === before; i++) await page.waitForTimeout(100);
}

async function channels(): Promise<{ plane: number; replicated: boolean }[]> {
  return page.locator('[data-testid^="diagram-channel-"]').evaluateAll((els) =>
    els.map((e) => ({ plane: Number(e.getAttribute('data-plane')), replicated: e.getAttribute('data-replicated') === 'true' })),
  );
}

test('neighbour diagram: K = 2 self-supervised shows i±1, i±2 and the replicated planes at plane 0', async () => {
  await openSample('menu-open-stack', 'microscopy-low');
  await byTestId('tab-neighbours').click();
  await byTestId('neighbours-panel').waitFor();
  assert.equal(await byTestId('mode-copy').isDisabled(), true, 'copy-supervised needs a second copy');
  await byTestId('mode-self').check();
  await byTestId('neighbours-k').fill('2');
  await byTestId('neighbours-plane').fill('5');
  await page.locator('[data-testid="neighbour-diagram"][data-k="2"][data-target="5"]').waitFor();
  assert.deepEqual(await channels(), [3, 4, 6, 7].map((plane) => ({ plane, replicated: false })));
  assert.equal(await byTestId('diagram-plane-5').getAttribute('data-role'), 'target');
  for (const z of [3, 4, 6, 7]) assert.equal(await byTestId(`diagram-plane-${z}`).getAttribute('data-role'), 'input');
  for (const z of [2, 8]) assert.equal(await byTestId(`diagram-plane-${z}`).getAttribute('data-role'), 'unused');
  await page.screenshot({ path: join(SHOTS, '1-neighbours-middle.png') });

  // Interactive: click plane 0. Its neighbours −2 and −1 do not exist: both become plane 1.
  await byTestId('diagram-plane-0').click();
  await page.locator('[data-testid="neighbour-diagram"][data-target="0"]').waitFor();
  assert.deepEqual(await channels(), [
    { plane: 1, replicated: true },
    { plane: 1, replicated: true },
    { plane: 1, replicated: false },
    { plane: 2, replicated: false },
  ]);
  assert.equal(await byTestId('diagram-plane-1').getAttribute('data-uses'), '3');
  assert.match(await byTestId('diagram-summary').innerText(), /Target plane 0; input planes 1, 1, 1, 2 \(replicated/);

  // Plane similarity, computed in a worker job, plotted for distances 1…5.
  await byTestId('similarity-run').click();
  await page.locator('[data-testid="similarity-plot"][data-points="5"]').waitFor({ timeout: 60_000 });
  const sims = (await byTestId('similarity-values').innerText()).match(/d=\d: ([\d.]+)/g)!.map((s) => Number(s.split(': ')[1]));
  assert.equal(sims.length, 5);
  assert.ok(sims[0]! > sims[4]!, `neighbours are more alike than planes 5 apart: ${sims}`);
  await byTestId('neighbours-panel').screenshot({ path: join(SHOTS, '2-neighbours-panel.png') });
  await byTestId('similarity-plot').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(SHOTS, '2b-similarity-plot.png') });
  assert.deepEqual(problems, []);
});

test('training: loss points appear, the progress bar advances, cancel stops it', async () => {
  await byTestId('tab-train').click();
  await byTestId('train-panel').waitFor();
  assert.match(await byTestId('train-layout').innerText(), /self-supervised, K=2/);
  // Which engines load here is probed in a worker and listed; tfjs-node is absent on this machine.
  await byTestId('train-advanced').locator('summary').click();
  await page.getByText(/^Available: .*tfjs\/wasm/).waitFor({ timeout: 90_000 });
  assert.match(await byTestId('train-backend').locator('option[value="tensorflow"]').innerText(), /not available/);
  await byTestId('train-sizing').selectOption('steps'); // sized by steps, not the default time budget
  for (const [id, v] of [['train-width', '0.125'], ['train-epochs', '500'], ['train-steps', '20'], ['train-batch', '2'], ['train-patch', '16'], ['train-val', '0.2']] as const) {
    await byTestId(id).fill(v);
  }
  // Live preview: a checkpoint every 5 steps denoises the plane under the cursor as a layer.
  await byTestId('train-preview').fill('5');
  await byTestId('train-backend').selectOption('wasm');
  await byTestId('train-engine').selectOption('tfjs');
  assert.equal(await byTestId('train-problem').count(), 0, 'the configuration is valid');
  await byTestId('train-start').click();
  await page.locator('[data-testid="train-status"][data-state="running"]').waitFor({ timeout: 60_000 });
  const progress = async () => Number(await byTestId('train-progress').getAttribute('value'));
  const points = async () => Number((await byTestId('loss-plot').getAttribute('data-points')) ?? 0);
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="loss-plot"]')?.getAttribute('data-points') ?? 0) >= 2, undefined, { timeout: 120_000 });
  const p1 = await progress();
  const n1 = await points();
  await page.waitForFunction((n) => Number(document.querySelector('[data-testid="loss-plot"]')?.getAttribute('data-points') ?? 0) > n + 2, n1, { timeout: 120_000 });
  const p2 = await progress();
  assert.ok(p2 > p1 && p1 >= 1, `progress advanced: ${p1} → ${p2}`);
  assert.match(await byTestId('train-active-engine').innerText(), /tfjs\/wasm/);
  await page.screenshot({ path: join(SHOTS, '3-training.png') });
  await byTestId('train-panel').screenshot({ path: join(SHOTS, '4-train-panel.png') });
  // The panel scrolls: bring the live loss plot into view for a second picture.
  await byTestId('loss-plot').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(SHOTS, '4b-train-loss-plot.png') });
  for (let i = 0; i < 600 && !app.server.core.services.stacks.list().some((x) => /\(preview, step \d+, plane \d+\)/.test(x.name)); i++) await page.waitForTimeout(100);
  const preview = app.server.core.services.stacks.list().find((x) => /\(preview/.test(x.name));
  assert.ok(preview, 'a live-preview layer appeared during training');
  const plane = Number(preview.name.match(/plane (\d+)/)![1]);
  const pdata = app.server.core.services.stacks.get(preview.stackId).data;
  const n = preview.height * preview.width;
  assert.ok(pdata.subarray(plane * n, (plane + 1) * n).some((v) => v !== 0), 'the previewed plane holds the prediction');
  await byTestId('train-cancel').click();
  await page.locator('[data-testid="train-status"][data-state="cancelled"]').waitFor({ timeout: 60_000 });
  assert.ok((await progress()) < 10_000, 'stopped before the end');
  assert.deepEqual(problems, []);
});

test('a saved model is loaded from its folder (config and losses listed), saved as a copy and applied to the stack', async () => {
  await byTestId('tab-train').click();
  await byTestId('models-load-path').fill(modelDir);
  await byTestId('models-load').click();
  // The cancelled run may have kept a model too (if an epoch finished): find the loaded one by name.
  const row = page.locator('[data-testid^="model-row-"]', { hasText: 'tiny-model (loaded)' });
  await row.waitFor({ timeout: 60_000 });
  // Listed with its configuration and final losses, read from the folder's config.json.
  assert.match(await row.innerText(), /tiny-model \(loaded\)[\s\S]*n2s self K=1, csbdeep×0\.125, 1 ep\.[\s\S]*\d\.\d{4}/);
  // Saved as a copy elsewhere.
  await byTestId('models-save-path').fill(join(app.dataDir, 'saved-model'));
  await row.locator('[data-testid^="model-save-"]').click();
  await page.getByText(/Model saved to .*saved-model/).waitFor({ timeout: 30_000 });
  assert.ok(existsSync(join(app.dataDir, 'saved-model', 'config.json')) && existsSync(join(app.dataDir, 'saved-model', 'weights.bin')));
  const before = app.server.core.services.stacks.list().length;
  await row.locator('[data-testid^="model-apply-"]').click();
  await page.locator('[data-testid="job-denoise"][data-state="done"]').waitFor({ timeout: 120_000 });
  for (let i = 0; i < 100 && app.server.core.services.stacks.list().length === before; i++) await page.waitForTimeout(100);
  const result = app.server.core.services.stacks.list().at(-1)!;
  assert.match(result.name, /denoised/);

  assert.deepEqual(problems, []);
});

test('evaluation against the high exposure: table, per-plane PSNR plot, side by side', async () => {
  await openSample('menu-open-reference', 'microscopy-high');
  await byTestId('tab-evaluate').click();
  await byTestId('evaluate-run').click();
  await byTestId('evaluate-table').waitFor({ timeout: 60_000 });
  assert.match(await byTestId('evaluate-table').innerText(), /PSNR/);
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="evaluate-plot"]')?.getAttribute('data-points') ?? 0) >= 20, undefined, { timeout: 30_000 });
  await byTestId('evaluate-side-by-side').click();
  await page.waitForTimeout(500);
  await page.screenshot({ path: join(SHOTS, '6-evaluate-side-by-side.png') });
  await byTestId('evaluate-panel').screenshot({ path: join(SHOTS, '7-evaluate-panel.png') });
  assert.deepEqual(problems, []);
});

test('the denoised result is exported as a TIFF with the input metadata and a report', async () => {
  const result = app.server.core.services.stacks.list().find((s) => /denoised/.test(s.name))!;
  await byTestId('tab-export').click();
  await byTestId('export-stack').selectOption(result.stackId);
  const out = join(app.dataDir, 'denoised.tif');
  await byTestId('export-path').fill(out);
  await byTestId('export-format').selectOption('imagej');
  await byTestId('export-dtype').selectOption('float32');
  await byTestId('export-run').click();
  await page.locator('[data-testid="export-status"][data-state="done"]').waitFor({ timeout: 60_000 });
  await byTestId('export-panel').screenshot({ path: join(SHOTS, '8-export-panel.png') });
  const input = app.server.core.services.stacks.list()[0]!;
  const back = await readStack(out);
  assert.deepEqual([back.depth, back.height, back.width], [input.depth, input.height, input.width]);
  assert.equal(back.meta.dtype, 'float32');
  assert.equal(back.meta.voxelSize.unit, input.meta.voxelSize.unit);
  for (const a of ['z', 'y', 'x'] as const) assert.ok(Math.abs(back.meta.voxelSize[a] - input.meta.voxelSize[a]) < 1e-4, `voxel ${a}`);
  const report = join(app.dataDir, 'denoised-report');
  assert.ok(existsSync(join(report, 'report.json')) && existsSync(join(report, 'report.md')));
  const json = JSON.parse(readFileSync(join(report, 'report.json'), 'utf8')) as { plots: string[] };
  assert.ok(json.plots.some((p) => p.endsWith('.png')), `plots in the report: ${json.plots}`);
  // Exporting again over the same name is refused with a clear message.
  await byTestId('export-run').click();
  await page.locator('[data-testid="export-status"][data-state="error"]').waitFor({ timeout: 60_000 });
  assert.match(await byTestId('export-status').innerText(), /^Failed: .*exists/);
  assert.deepEqual(problems, []);
});

