/**
 * The app as a microscopist uses it (issue 17), in a real browser over the bridge, at 1280×800 and
 * 1920×1080: the welcome on the empty canvas, a uint16 stack opened by drag and drop, the status
 * bar following the mouse, K and patch checked in words before Start, settings kept across tabs and
 * reloads, a tiny training whose live preview is an inset of the plane on screen, the session's
 * model selected in Denoise and saved with one click, evaluation with a per-plane plot whose points
 * move the viewer, the swipe difference, segmentation, export in the acquisition's dtype, closing
 * every layer (closed everywhere, not restored by a reload), reopening from the welcome, and a
 * stack on another grid refused in words. Zero page errors. Screenshots: test-artifacts/journey/.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { readStack, writeStack } from '../../main/io/index.ts';
import { generateMicroscopy } from '../../main/science/synth-microscopy.ts';
import { makeStack } from '../../shared/stack.ts';
import { DEFAULT_TRAIN_SECONDS } from '../../shared/config/train-budget.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { artifactsDir, launchBrowser, watchPage } from './helpers/browser.ts';

const SIZES = [
  { width: 1280, height: 800 },
  { width: 1920, height: 1080 },
];

for (const size of SIZES) {
  describe(`journey at ${size.width}×${size.height}`, () => {
    const SHOTS = artifactsDir(`journey/${size.width}x${size.height}`);
    let app: TestApp;
    let context: BrowserContext;
    let page: Page;
    let problems: string[];
    let dropped: string;
    const byTestId = (id: string) => page.locator(`[data-testid="${id}"]`);
    const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`) });
    const stacks = () => app.server.core.services.stacks.list();
    const waitFor = async (what: string, ok: () => boolean, ms = 60_000) => {
      for (let t = 0; t < ms && !ok(); t += 100) await page.waitForTimeout(100);
      assert.ok(ok(), `timed out waiting for ${what}`);
    };
    /** Error notices other than the ones a step expects: each is a stumble. */
    const strayErrors = async (expected: RegExp | null = null) =>
      (await page.locator('[data-testid="notice-error"]').allInnerTexts()).filter((t) => !(expected && expected.test(t)));
    /** Says what kept the window from looking empty (main's stacks and jobs, the page's view), with a screenshot. */
    const noWelcome = (shotName: string) => async (e: unknown): Promise<never> => {
      await shot(shotName).catch(() => undefined);
      const jobs = app.server.core.jobs.list().map((j) => `${j.kind}:${j.state}`);
      const shell = byTestId('shell');
      const text = (await page.locator('body').innerText().catch(() => '')).slice(0, 300).replace(/\s+/g, ' ');
      throw new Error(
        `no welcome: main stacks ${JSON.stringify(stacks().map((s) => s.name))}, jobs ${jobs.join(' ')}, ` +
          `shell elements ${await shell.count()}, page stacks ${await shell.getAttribute('data-stacks', { timeout: 1000 }).catch(() => null)}, ` +
          `welcome elements ${await byTestId('welcome').count()}, layers ${JSON.stringify(await layerNames())}, ` +
          `page text "${text}", page problems ${JSON.stringify(problems)} (${String(e)})`,
      );
    };
    const layerNames = () => page.locator('[data-testid="layer-list"] [data-layer]').evaluateAll((els) => els.map((e) => e.getAttribute('data-layer') ?? ''));

    before(async () => {
      app = await startTestApp();
      context = await launchBrowser();
      page = await context.newPage();
      await page.setViewportSize(size);
      ({ problems } = watchPage(page));
      // The acquisition: the noisy sample's grid and voxel size, as a uint16 ImageJ TIFF the
      // bridge cannot see (outside its root): only a drop can bring it in.
      const outside = mkdtempSync(join(tmpdir(), 'n2s-journey-'));
      dropped = join(outside, 'nuclei-20ms.tif');
      await writeStack(dropped, generateMicroscopy({ seed: 7 }).low, { format: 'imagej', dtype: 'uint16' });
      // Something for the open dialog to list.
      mkdirSync(join(app.dataDir, 'acquisitions'));
    });

    after(async () => {
      await context?.close();
      await app?.close();
    });

    test('the empty window welcomes: open, samples, drop hint; Help lists the shortcuts; icons are SVG', async () => {
      await page.goto(app.url);
      await page.locator('[data-testid="shell"][data-mode="bridge"]').waitFor({ timeout: 30_000 });
      await byTestId('welcome').waitFor();
      assert.match(await byTestId('welcome').innerText(), /Open a stack[\s\S]*drop/i);
      await byTestId('welcome-sample-microscopy-low').waitFor();
      await shot('01-welcome');
      await byTestId('menu-help').click();
      await byTestId('menu-shortcuts').click();
      await byTestId('shortcuts-dialog').waitFor();
      assert.match(await byTestId('shortcuts-dialog').innerText(), /Ctrl\+O[\s\S]*Page Up/);
      await shot('02-shortcuts');
      await byTestId('shortcuts-close').click();
      // The open dialog's folders are drawn as SVG, not as an emoji the system may lack.
      await byTestId('menu-file').click();
      await byTestId('menu-open-stack').click();
      await byTestId('open-dialog').waitFor();
      const entry = page.locator('.dir-listing li button').first();
      await entry.waitFor();
      assert.ok((await entry.locator('svg[data-icon]').count()) === 1, 'folder/file icon is inline SVG');
      assert.doesNotMatch(await page.locator('.dir-listing').innerText(), /\p{Extended_Pictographic}/u);
      await byTestId('open-dialog').getByRole('button', { name: 'Cancel' }).click();
      assert.equal(await byTestId('open-dialog').count(), 0);
      assert.deepEqual(problems, []);
      assert.deepEqual(await strayErrors(/different grid/), []);
    });

    test('a file dropped on the window opens (uploaded through the bridge), with its uint16 dtype', async () => {
      const b64 = readFileSync(dropped).toString('base64');
      const dt = await page.evaluateHandle((data) => {
        const bin = atob(data);
        const bytes = new Uint8Array(bin.length);
        for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
        const t = new DataTransfer();
        t.items.add(new File([bytes], 'nuclei-20ms.tif', { type: 'image/tiff' }));
        return t;
      }, b64);
      await page.dispatchEvent('[data-testid="shell"]', 'dragover', { dataTransfer: dt });
      await page.dispatchEvent('[data-testid="shell"]', 'drop', { dataTransfer: dt });
      await waitFor('the dropped stack', () => stacks().length === 1);
      const s = stacks()[0]!;
      assert.equal(s.meta.dtype, 'uint16');
      assert.deepEqual([s.depth, s.height, s.width], [10, 128, 128]);
      await page.locator('[data-layer="nuclei-20ms.tif"]').waitFor({ timeout: 30_000 });
      assert.equal(await byTestId('welcome').count(), 0, 'the welcome gives way to the stack');
      await byTestId('tab-stack-info').click();
      assert.equal(await byTestId('stack-voxel-size').innerText(), '2 × 0.65 × 0.65 µm');
      await page.waitForTimeout(300);
      await shot('03-dropped');
      assert.deepEqual(problems, []);
      assert.deepEqual(await strayErrors(/different grid/), []);
    });

    test('the status bar follows the mouse (no click): voxel, position and value', async () => {
      const xy = page.locator('[data-viewport="ortho-xy"]');
      const box = (await xy.boundingBox())!;
      const readout = byTestId('readout');
      await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.4);
      await page.locator('[data-testid="readout"][data-source="mouse"]').waitFor();
      const first = [await readout.getAttribute('data-x'), await readout.getAttribute('data-y')];
      await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.6);
      await page.waitForFunction((f) => {
        const r = document.querySelector('[data-testid="readout"]');
        return r?.getAttribute('data-x') !== f[0] && r?.getAttribute('data-y') !== f[1];
      }, first);
      const [z, y, x] = await Promise.all(['data-z', 'data-y', 'data-x'].map(async (a) => Number(await readout.getAttribute(a))));
      const s = stacks()[0]!;
      const expected = app.server.core.services.stacks.get(s.stackId).data[(z * s.height + y) * s.width + x];
      const shown = Number(await page.locator('[data-readout-layer="nuclei-20ms.tif"]').getAttribute('data-value'));
      assert.equal(shown, expected, 'the value under the mouse');
      assert.match(await readout.innerText(), /µm/);
      assert.deepEqual(problems, []);
      assert.deepEqual(await strayErrors(/different grid/), []);
    });

    test('K and patch are checked in words before Start; settings survive tab changes', async () => {
      await byTestId('tab-neighbours').click();
      await byTestId('neighbours-k').fill('30');
      assert.match(await byTestId('neighbours-problem').innerText(), /K = 30 needs at least 61 planes .* this stack has 10: choose K ≤ 4/);
      await byTestId('tab-train').click();
      assert.match(await byTestId('train-problem').innerText(), /K = 30 needs at least 61 planes/);
      assert.equal(await byTestId('train-start').isDisabled(), true);
      await byTestId('tab-neighbours').click();
      await byTestId('neighbours-k').fill('2');
      await byTestId('tab-train').click();
      await byTestId('train-patch').fill('512');
      assert.match(await byTestId('train-problem').innerText(), /Patch 512 is larger than the image \(128 × 128 pixels\)/);
      assert.equal(await byTestId('train-start').isDisabled(), true);
      // A tiny run: a few dozen steps of a network an eighth of the paper's width (sized by steps,
      // not by the default time budget).
      await byTestId('train-sizing').selectOption('steps');
      for (const [id, v] of [['train-width', '0.125'], ['train-epochs', '6'], ['train-steps', '50'], ['train-batch', '2'], ['train-patch', '32'], ['train-preview', '5']] as const) {
        await byTestId(id).fill(v);
      }
      await byTestId('train-advanced').locator('summary').click();
      await byTestId('train-backend').selectOption('wasm');
      await byTestId('train-engine').selectOption('tfjs');
      await byTestId('tab-export').click();
      await byTestId('tab-train').click();
      assert.equal(await byTestId('train-width').inputValue(), '0.125', 'kept across tabs');
      assert.equal(await byTestId('train-epochs').inputValue(), '6');
      assert.equal(await byTestId('train-engine').inputValue(), 'tfjs');
      assert.equal(await byTestId('train-problem').count(), 0);
      // The run time is estimated before Start, from steps of these settings timed on this machine.
      await page.locator('[data-testid="train-estimate"][data-measured="step"]').waitFor({ timeout: 120_000 });
      assert.match(await byTestId('train-estimate').innerText(), /300 steps · about \d+ (s|min).*measured: [\d.]+ m?s per step/);
      await shot('03b-train-estimate');
      // At 1280×800 the loss plot is on screen without scrolling.
      const plot = (await byTestId('loss-plot').boundingBox())!;
      assert.ok(plot.y < size.height - 40, `loss plot top at ${plot.y}px of ${size.height}`);
      assert.deepEqual(problems, []);
      assert.deepEqual(await strayErrors(/different grid/), []);
    });

    test('training shows a live preview inset of the plane on screen, never a layer over the stack', async () => {
      // Go to plane 3 first: the preview must show this plane.
      const slider = page.locator('input[data-slider="z"]');
      await slider.fill('3');
      // The engine probe (a job of its own) is over before Start, so the preview jobs do not queue behind it.
      await page.waitForFunction(() => !/probing/.test(document.querySelector('[data-testid="train-engines"]')?.textContent ?? 'probing'), undefined, { timeout: 120_000 });
      await byTestId('train-start').click();
      await page.locator('[data-testid="train-status"][data-state="running"]').waitFor({ timeout: 60_000 });
      // Note the run's state at the moment the inset appears (polled; no named functions in page
      // code: the test's transpiler would wrap them in a helper the page does not have).
      const handle = await page.waitForFunction(
        () =>
          document.querySelector('[data-testid="preview-inset"][data-plane="3"] img')
            ? (document.querySelector('[data-testid="train-status"]')?.getAttribute('data-state') ?? '?')
            : false,
        undefined,
        { timeout: 150_000, polling: 50 },
      );
      const state = String(await handle.jsonValue());
      assert.ok(state === 'running' || state === 'paused', `the preview arrived during the run (state ${state})`);
      await shot('04-preview-inset');
      assert.deepEqual(await layerNames(), ['nuclei-20ms.tif'], 'the preview is not a layer');
      // Closing the preview mid-run (this raised "no layer with id" page errors before) is quiet;
      // a preview already on its way replaces it.
      const first = await byTestId('preview-inset').getAttribute('data-stack');
      await byTestId('preview-close').click();
      await page.waitForFunction((id) => {
        const el = document.querySelector('[data-testid="preview-inset"]');
        return !el || el.getAttribute('data-stack') !== id;
      }, first, { timeout: 30_000 });
      await page.locator('[data-testid="train-status"][data-state="done"]').waitFor({ timeout: 240_000 });
      // "Did it work?" in plain words, without ground truth.
      assert.match(await byTestId('train-verdict').innerText(), /Did it work\?.*(neighbours|averag)/s);
      // The run is over: its preview goes (the model is what Denoise uses now).
      await page.locator('[data-testid="preview-inset"]').waitFor({ state: 'detached', timeout: 60_000 });
      assert.deepEqual(problems, []);
      assert.deepEqual(await strayErrors(/different grid/), []);
    });

    test('Denoise offers the session model, selected, and the acquisition, then saves the model in one click', async () => {
      await byTestId('tab-denoise').click();
      const select = byTestId('denoise-model-select');
      const chosen = await select.locator('option:checked').innerText();
      assert.match(chosen, /^nuclei-20ms · n2s self K=2 · \d\d:\d\d:\d\d$/);
      const acquisition = stacks().find((s) => s.role === 'primary')!;
      assert.equal(await byTestId('denoise-stack').inputValue(), acquisition.stackId, 'the noisy acquisition, not a preview or a result');
      assert.equal(await byTestId('denoise-stack').locator('option').count(), 1);
      await shot('05-denoise-session-model');
      await byTestId('denoise-run').click();
      await waitFor('the denoised stack', () => stacks().some((s) => s.role === 'result' && /denoised/.test(s.name)), 120_000);
      await byTestId('denoise-save-model').click();
      await byTestId('path-chooser').waitFor();
      await byTestId('path-chooser-ok').click();
      const name = await byTestId('path-chooser-name').count();
      assert.equal(name, 0, 'the chooser closed');
      await waitFor('the saved model', () => existsSync(join(app.dataDir, chosen.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, ''), 'config.json')));
      assert.deepEqual(problems, []);
      assert.deepEqual(await strayErrors(/different grid/), []);
    });

    test('evaluation: per-plane plot with axis titles in the dark theme; a click on a point moves the viewer', async () => {
      await byTestId('menu-file').click();
      await byTestId('menu-open-reference').click();
      await byTestId('sample-microscopy-high').click();
      await waitFor('the reference', () => stacks().some((s) => s.role === 'reference'));
      await page.locator('[data-layer*="(reference)"]').waitFor({ timeout: 30_000 });
      for (const n of await layerNames()) assert.doesNotMatch(n, /\(reference\)\s*\(reference\)/);
      await byTestId('tab-evaluate').click();
      await byTestId('evaluate-run').click();
      await byTestId('evaluate-table').waitFor({ timeout: 60_000 });
      assert.doesNotMatch(await byTestId('evaluate-table').innerText(), /\d\.\d{4,}/, 'rounded values');
      const plot = byTestId('evaluate-plot');
      await page.waitForFunction(() => Number(document.querySelector('[data-testid="evaluate-plot"]')?.getAttribute('data-points') ?? 0) >= 20);
      assert.equal(await plot.getAttribute('data-x-title'), 'plane (z index)');
      assert.equal(await plot.getAttribute('data-y-title'), 'PSNR (dB)');
      assert.match((await plot.locator('.xtitle').textContent()) ?? '', /plane/);
      assert.match((await plot.locator('.ytitle').textContent()) ?? '', /PSNR \(dB\)/);
      const bg = await plot.locator('.main-svg').first().evaluate((e) => getComputedStyle(e).backgroundColor);
      assert.notEqual(bg, 'rgb(255, 255, 255)', 'not a white panel');
      await plot.scrollIntoViewIfNeeded();
      await shot('06-per-plane-plot');
      // Click the point of plane 7 on the first trace.
      const point = plot.locator('.scatterlayer .trace').first().locator('.points path').nth(7);
      const pb = (await point.boundingBox())!;
      await page.mouse.move(pb.x + pb.width / 2, pb.y + pb.height / 2);
      await page.mouse.click(pb.x + pb.width / 2, pb.y + pb.height / 2);
      await page.waitForFunction(() => (document.querySelector('input[data-slider="z"]') as HTMLInputElement | null)?.value === '7', undefined, { timeout: 10_000 });
      assert.deepEqual(problems, []);
      assert.deepEqual(await strayErrors(/different grid/), []);
    });

    test('swipe mode: "difference" puts the new layer on the curtain, so the screen changes', async () => {
      await page.locator('.n2s-toolbar button[data-mode="swipe"]').click();
      const label = page.locator('[data-viewport="swipe"] .n2s-viewport-label');
      const before = await label.innerText();
      await byTestId('difference').click();
      await page.waitForFunction((b) => document.querySelector('[data-viewport="swipe"] .n2s-viewport-label')?.textContent !== b, before);
      assert.match(await label.innerText(), / − /);
      await page.waitForTimeout(300);
      await shot('07-swipe-difference');
      await page.locator('.n2s-toolbar button[data-mode="ortho"]').click();
      assert.deepEqual(problems, []);
      assert.deepEqual(await strayErrors(/different grid/), []);
    });

    test('segmentation of the denoised stack; the labels table fits its panel', async () => {
      const denoised = stacks().find((s) => s.role === 'result' && /denoised/.test(s.name))!;
      await byTestId('tab-segment').click();
      await byTestId('segment-source').selectOption(denoised.stackId);
      await byTestId('segment-run').click();
      await waitFor('labels', () => stacks().some((s) => s.meta.labels), 120_000);
      await byTestId('segment-export-path').fill(join(app.dataDir, 'labels.tif'));
      const labels = stacks().find((s) => s.meta.labels)!;
      const button = byTestId(`labels-export-${labels.stackId}`);
      await button.waitFor();
      const panel = (await page.locator('.right-area').boundingBox())!;
      const b = (await button.boundingBox())!;
      assert.ok(b.x + b.width <= panel.x + panel.width, `Export button ends at ${b.x + b.width}, panel at ${panel.x + panel.width}`);
      await shot('08-segment');
      assert.deepEqual(problems, []);
      assert.deepEqual(await strayErrors(/different grid/), []);
    });

    test('export defaults to the denoised image (not the labels) and "as the acquisition" writes uint16', async () => {
      const denoised = stacks().find((s) => s.role === 'result' && /denoised/.test(s.name))!;
      await byTestId('tab-export').click();
      assert.equal(await byTestId('export-stack').inputValue(), denoised.stackId);
      await byTestId('export-path-choose').waitFor();
      assert.match(await byTestId('export-dtype').locator('option[value="source"]').innerText(), /acquisition \(uint16\)/);
      await byTestId('export-dtype').selectOption('source');
      const out = join(app.dataDir, 'denoised-as-source.tif');
      await byTestId('export-path').fill(out);
      await byTestId('export-run').click();
      await page.locator('[data-testid="export-status"][data-state="done"]').waitFor({ timeout: 60_000 });
      await shot('09-export');
      const back = await readStack(out);
      assert.equal(back.meta.dtype, 'uint16');
      assert.deepEqual(problems, []);
      assert.deepEqual(await strayErrors(/different grid/), []);
    });

    test('closing every layer closes its stack everywhere; a reload does not bring them back; settings stay', async () => {
      const close = page.locator('[data-testid="layer-list"] [data-testid="layer-close"]');
      while ((await close.count()) > 0) {
        await close.first().click();
        await page.waitForTimeout(100);
      }
      await waitFor('all stacks closed in main', () => stacks().length === 0);
      // 60 s: under CI load the page's software-rendered views can hold its thread for a while.
      await byTestId('welcome').waitFor({ timeout: 60_000 }).catch(noWelcome('10-not-empty'));
      for (const tab of ['train', 'evaluate', 'segment', 'export', 'denoise']) {
        await byTestId(`tab-${tab}`).click();
        await page.waitForTimeout(100);
        // Stack pickers and lists (trained models stay listed: they are folders, not stacks).
        const offered = await page.locator('.tab-body select:not([data-testid="denoise-model-select"]) option, .tab-body table td, .tab-body p').allInnerTexts();
        const stale = offered.filter((t) => /nuclei-20ms\.tif|Synthetic nuclei|\(denoised\)/.test(t) && !/^Training done|· n2s /.test(t));
        assert.deepEqual(stale, [], `${tab} lists no closed stack`);
      }
      await byTestId('tab-train').click();
      assert.equal(await byTestId('train-start').isDisabled(), true);
      await page.reload();
      await byTestId('welcome').waitFor({ timeout: 30_000 }).catch(noWelcome('10-not-empty-after-reload'));
      assert.deepEqual(await layerNames(), []);
      await byTestId('tab-train').click();
      assert.equal(await byTestId('train-width').inputValue(), '0.125', 'kept across reloads');
      await byTestId('train-reset').click();
      assert.equal(await byTestId('train-width').inputValue(), '0.5', 'reset on request');
      // The defaults are a run of minutes, not hours: the CLI's default time budget.
      assert.equal(await byTestId('train-sizing').inputValue(), 'time');
      assert.match(await byTestId('train-estimate').innerText(), new RegExp(`^time budget · about ${DEFAULT_TRAIN_SECONDS / 60} min 00 s`));
      await shot('10-closed-reloaded');
      assert.deepEqual(problems, []);
      assert.deepEqual(await strayErrors(/different grid/), []);
    });

    test('reopened from the welcome; a stack on another grid is refused in words', async () => {
      await byTestId('welcome-recent-0').click();
      await waitFor('the reopened stack', () => stacks().length === 1);
      await page.locator('[data-layer]').first().waitFor({ timeout: 30_000 });
      // A 1 mm MRI-like volume beside 0.65 µm microscopy: refused, with both grids named.
      const mri = join(app.dataDir, 'head.tif');
      const d = 6;
      await writeStack(mri, makeStack(d, 32, 32, new Float32Array(d * 32 * 32).fill(5), { name: 'head', dtype: 'float32', voxelSize: { z: 1, y: 1, x: 1, unit: 'mm' }, flavour: 'synthetic', sourceAxes: 'ZYX', sourceShape: [d, 32, 32] }), { format: 'imagej' });
      await page.keyboard.press('Control+o');
      await byTestId('open-path').fill(mri);
      await byTestId('open-path-submit').click();
      const notice = page.locator('[data-testid="notice-error"]', { hasText: 'different grid' });
      await notice.waitFor({ timeout: 60_000 });
      assert.match(await notice.innerText(), /head.*6×32×32.*1 × 1 × 1 mm.*10×128×128.*2 × 0\.65 × 0\.65 µm/);
      await waitFor('the refused stack closed', () => stacks().length === 1);
      assert.equal((await layerNames()).length, 1);
      // "fit" fits the stack shown: zoom far in, then fit, and the whole plane is inside the XY view.
      const xy = page.locator('[data-viewport="ortho-xy"]');
      const vb = (await xy.boundingBox())!;
      await page.mouse.move(vb.x + vb.width / 2, vb.y + vb.height / 2);
      for (let i = 0; i < 5; i++) await page.mouse.wheel(0, -400);
      const span = async () => {
        const line = xy.locator('line[data-crosshair="h"]');
        return { x1: Number(await line.getAttribute('x1')), x2: Number(await line.getAttribute('x2')) };
      };
      const zoomed = await span();
      assert.ok(zoomed.x1 < 0 || zoomed.x2 > vb.width, `zoomed in: ${JSON.stringify(zoomed)}`);
      await page.locator('button[data-control="fit"]').click();
      await page.waitForTimeout(200);
      const fitted = await span();
      assert.ok(fitted.x1 >= -1 && fitted.x2 <= vb.width + 1 && fitted.x2 - fitted.x1 > vb.width * 0.5, `fitted: ${JSON.stringify(fitted)} in ${vb.width}`);
      await shot('11-reopened-refused');
      assert.deepEqual(problems, []);
      assert.deepEqual(await strayErrors(/different grid/), []);
    });
  });
}
