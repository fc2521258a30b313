/**
 * Whole hyperstacks in the app (issue 18, "Must show": a browser test). A 2-channel × 3-time-point
 * × 8-plane ImageJ hyperstack, written with the project's hyperstack writer, opens as two layers
 * in the file's channel colours, blended additively, with a time slider beside the z slider;
 * moving it changes the values shown to those of that time point; one model per channel is
 * trained on every time point and denoises every channel and time point into a result with the
 * same channels; per-channel scores against the high exposure; the export is ONE file that tifffile and
 * the project's reader read back as 2 channels × 3 time points with the channel names, colours,
 * voxel size and time increment. Screenshots: test-artifacts/hyperstack/.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { readHyperstack, writeHyperstack } from '../../main/io/hyperstack.ts';
import { generateMicroscopyHyperstack } from '../../main/science/synth-microscopy.ts';
import { planeOffset, type Hyperstack } from '../../shared/hyperstack.ts';
import { runPython, skipWithoutPython } from '../helpers/python.ts';
import { startTestApp, type TestApp } from './helpers/app.ts';
import { artifactsDir, launchBrowser, watchPage } from './helpers/browser.ts';

const SHOTS = artifactsDir('hyperstack');
const [T, C, Z, H, W] = [3, 2, 8, 32, 32];
let app: TestApp;
let context: BrowserContext;
let page: Page;
let problems: string[];
let input: string;
let referencePath: string;
let written: Hyperstack;
let writtenRef: Hyperstack;

const byTestId = (id: string) => page.locator(`[data-testid="${id}"]`);
const stacks = () => app.server.core.services.stacks.list();
const waitFor = async (what: string, ok: () => boolean | Promise<boolean>, ms = 60_000) => {
  for (let t = 0; t < ms && !(await ok()); t += 100) await page.waitForTimeout(100);
  assert.ok(await ok(), `timed out waiting for ${what}`);
};
const strayErrors = () => page.locator('[data-testid="notice-error"]').allInnerTexts();
/** Value shown in the status bar for each layer, and the voxel it is for. */
async function readout(): Promise<{ at: { z: number; y: number; x: number }; values: Record<string, number> }> {
  const r = byTestId('readout');
  const at = { z: Number(await r.getAttribute('data-z')), y: Number(await r.getAttribute('data-y')), x: Number(await r.getAttribute('data-x')) };
  const values = Object.fromEntries(
    await r.locator('[data-readout-layer]').evaluateAll((els) => els.map((e) => [e.getAttribute('data-readout-layer') ?? '', Number(e.getAttribute('data-value'))])),
  ) as Record<string, number>;
  return { at, values };
}
const valueOf = (h: Hyperstack, t: number, c: number, at: { z: number; y: number; x: number }) => h.data[planeOffset(h.meta, t, c, at.z) + at.y * W + at.x];

before(async () => {
  app = await startTestApp();
  input = join(app.dataDir, 'cells-2c3t.tif');
  referencePath = join(app.dataDir, 'cells-2c3t-high.tif');
  const { low, high } = generateMicroscopyHyperstack({ seed: 11, depth: Z, height: H, width: W, channels: C, times: T });
  await writeHyperstack(input, low, { format: 'imagej' });
  await writeHyperstack(referencePath, high, { format: 'imagej' });
  written = await readHyperstack(input);
  writtenRef = await readHyperstack(referencePath);
  context = await launchBrowser();
  page = await context.newPage();
  ({ problems } = watchPage(page));
  await page.goto(app.url);
  await page.locator('[data-testid="shell"][data-mode="bridge"]').waitFor({ timeout: 30_000 });
});

after(async () => {
  await context?.close();
  await app?.close();
});

test('a 2-channel time-lapse opens as two coloured, additive layers; the time slider changes the values shown', async () => {
  await page.keyboard.press('Control+o');
  await byTestId('open-path').fill(input);
  await byTestId('open-path-submit').click();
  await waitFor('both channels in main', () => stacks().length === C);
  const [nuclei, membranes] = stacks();
  assert.equal(nuclei.hyperstack?.groupId, membranes.hyperstack?.groupId, 'one group');
  assert.deepEqual(stacks().map((s) => [s.hyperstack?.channel, s.hyperstack?.channelName, s.hyperstack?.times, s.depth]), [[0, 'nuclei', T, Z], [1, 'membranes', T, Z]]);

  const rows = page.locator('[data-testid="layer-list"] [data-layer]');
  await waitFor('two layers', async () => (await rows.count()) === C);
  const layers = await rows.evaluateAll((els) => els.map((e) => [e.getAttribute('data-layer'), e.getAttribute('data-colormap'), e.getAttribute('data-blending')]));
  // The file's colours: nuclei cyan (00FFFF), membranes magenta (FF00FF); light adds up.
  assert.deepEqual(layers.sort(), [[nuclei.name, 'cyan', 'additive'], [membranes.name, 'magenta', 'additive']].sort());

  const slider = page.locator('input[data-slider="t"]');
  await slider.waitFor();
  assert.equal(await slider.getAttribute('max'), String(T - 1));
  assert.equal(await byTestId('time-label').innerText(), '1/3 · 0 s');
  // The time slider sits in the same row as the z slider.
  const zBox = (await page.locator('input[data-slider="z"]').boundingBox())!;
  const tBox = (await slider.boundingBox())!;
  assert.ok(Math.abs(zBox.y - tBox.y) < 30, `t slider beside the z slider: z at y=${zBox.y}, t at y=${tBox.y}`);

  const t0 = await readout();
  assert.equal(t0.values[nuclei.name], valueOf(written, 0, 0, t0.at));
  assert.equal(t0.values[membranes.name], valueOf(written, 0, 1, t0.at));
  await page.waitForTimeout(500);
  await page.screenshot({ path: join(SHOTS, '1-opened-t1.png') });
  await page.locator('[data-viewport="ortho-xy"]').screenshot({ path: join(SHOTS, '1-xy-t1.png') });

  // To the last time point by keyboard, as a user would.
  await slider.focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await waitFor('the time label', async () => (await byTestId('time-label').innerText()) === '3/3 · 120 s');
  await waitFor('the values of time point 3', async () => {
    const r = await readout();
    return r.values[nuclei.name] === valueOf(written, 2, 0, r.at) && r.values[membranes.name] === valueOf(written, 2, 1, r.at);
  });
  const t2 = await readout();
  assert.notEqual(t2.values[nuclei.name], t0.values[nuclei.name], 'another frame, other values');
  // Main serves (and jobs get) the time point shown.
  assert.deepEqual(stacks().map((s) => s.hyperstack?.time), [2, 2]);
  const inMain = app.server.core.services.stacks.get(nuclei.stackId).data;
  assert.equal(inMain[t2.at.z * H * W + t2.at.y * W + t2.at.x], valueOf(written, 2, 0, t2.at));
  await page.waitForTimeout(500);
  await page.screenshot({ path: join(SHOTS, '2-time-point-3.png') });
  await page.locator('[data-viewport="ortho-xy"]').screenshot({ path: join(SHOTS, '2-xy-t3.png') });
  assert.deepEqual(problems, []);
  assert.deepEqual(await strayErrors(), []);
});

test('the XY view shows both channel colours at once', { skip: skipWithoutPython('PIL', 'numpy') }, () => {
  // Cyan pixels (green+blue, no red) are nuclei only, magenta (red+blue, no green) membranes only.
  const out = runPython(
    'import sys, numpy as np; from PIL import Image\n' +
      'a = np.asarray(Image.open(sys.argv[1]).convert("RGB")).astype(int); r, g, b = a[..., 0], a[..., 1], a[..., 2]\n' +
      'print(int(((g > 80) & (b > 80) & (r < 40)).sum()), int(((r > 80) & (b > 80) & (g < 40)).sum()))',
    [join(SHOTS, '2-xy-t3.png')],
  );
  const [cyan, magenta] = out.trim().split(' ').map(Number);
  assert.ok(cyan > 50 && magenta > 50, `cyan ${cyan} and magenta ${magenta} pixels`);
});

test('a reference hyperstack opened later joins the time point shown', async () => {
  await byTestId('menu-file').click();
  await byTestId('menu-open-reference').click();
  await byTestId('open-path').fill(referencePath);
  await byTestId('open-path-submit').click();
  await waitFor('the reference channels', () => stacks().length === 2 * C);
  const ref = stacks().slice(C);
  assert.deepEqual(ref.map((s) => [s.role, s.hyperstack?.channelName]), [['reference', 'nuclei'], ['reference', 'membranes']]);
  await waitFor('the reference at time point 3', () => stacks().every((s) => s.hyperstack?.time === 2));
  // Layers of inputs other than the primary say their role.
  const [refNuclei, refMembranes] = ref.map((s) => `${s.name} (reference)`);
  await waitFor('the reference values of time point 3', async () => {
    const r = await readout();
    return r.values[refNuclei] === valueOf(writtenRef, 2, 0, r.at) && r.values[refMembranes] === valueOf(writtenRef, 2, 1, r.at);
  });
  assert.equal(await page.locator('input[data-slider="t"]').count(), 1, 'one time slider for every open hyperstack');
  // Only the input in view again.
  for (const name of [refNuclei, refMembranes]) await page.locator(`[data-testid="layer-list"] [data-layer="${name}"] input[type="checkbox"]`).uncheck();
  assert.deepEqual(problems, []);
  assert.deepEqual(await strayErrors(), []);
});

test('denoise runs every channel and time point; export writes one file with both channels', async () => {
  const input0 = stacks().slice(0, C);
  // A tiny run (a few steps of a network an eighth of the paper's width), set in the Train tab.
  await byTestId('tab-train').click();
  await byTestId('train-sizing').selectOption('steps'); // sized by steps, not the default time budget
  for (const [id, v] of [['train-width', '0.125'], ['train-epochs', '1'], ['train-steps', '3'], ['train-batch', '2'], ['train-patch', '16']] as const) await byTestId(id).fill(v);
  await byTestId('tab-hyperstack').click();
  await byTestId('hyperstack-panel').waitFor();
  assert.match(await byTestId('hyper-channels').innerText(), /nuclei[\s\S]*membranes/);
  await byTestId('hyper-train').click();
  await page.locator('[data-testid="hyper-train-status"][data-state="done"]').waitFor({ timeout: 180_000 });
  const modelDir = await byTestId('hyper-model').inputValue();
  assert.match(await byTestId('hyper-train-status').innerText(), /nuclei: [\s\S]*membranes: /);
  // One model folder with an entry per channel.
  const manifest = JSON.parse(readFileSync(join(modelDir, 'hyperstack.json'), 'utf8')) as { channels: string; entries: { channels: number[]; dir: string }[] };
  assert.equal(manifest.channels, 'per-channel');
  assert.deepEqual(manifest.entries.map((e) => e.channels), [[0], [1]]);
  await byTestId('hyper-denoise').click();
  await page.locator('[data-testid="hyper-denoise-status"][data-state="done"]').waitFor({ timeout: 180_000 });
  assert.match(await byTestId('hyper-denoise-status').innerText(), /2 channels × 3 time points .*one model per channel/);
  await waitFor('the result group', () => stacks().length === 3 * C);
  const result = stacks().slice(2 * C);
  assert.deepEqual(result.map((s) => [s.role, s.hyperstack?.channel, s.hyperstack?.channelName, s.hyperstack?.color, s.hyperstack?.time]), [['result', 0, 'nuclei', '00FFFF', 2], ['result', 1, 'membranes', 'FF00FF', 2]]);
  assert.notEqual(result[0].hyperstack?.groupId, stacks()[0].hyperstack?.groupId);
  // The denoised channels take the noisy ones' place in the view.
  for (const s of input0) assert.equal(await page.locator(`[data-testid="layer-list"] [data-layer="${s.name}"] input[type="checkbox"]`).isChecked(), false, `${s.name} hidden`);
  const denoised = app.server.core.services.stacks.group(result[0].hyperstack!.groupId).hyper;
  for (let t = 0; t < T; t++) {
    for (let c = 0; c < C; c++) {
      // Every (t, c) was denoised: finite, and not the noisy input.
      const o = planeOffset(denoised.meta, t, c, 0);
      const d = denoised.data.subarray(o, o + Z * H * W);
      assert.ok(d.every(Number.isFinite), `t=${t} c=${c} finite`);
      let diff = 0;
      for (let i = 0; i < d.length; i++) diff += Math.abs(d[i] - written.data[o + i]);
      assert.ok(diff / d.length > 1, `t=${t} c=${c} differs from the input (mean |Δ| ${diff / d.length})`);
    }
  }
  const rows = page.locator('[data-testid="layer-list"] [data-layer]');
  await waitFor('six layers', async () => (await rows.count()) === 3 * C);
  const colours = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-colormap')));
  assert.deepEqual(colours.sort(), ['cyan', 'cyan', 'cyan', 'magenta', 'magenta', 'magenta']);
  // One slider moves input and result together: back to the first time point.
  const slider = page.locator('input[data-slider="t"]');
  assert.equal(await slider.count(), 1);
  await slider.focus();
  await page.keyboard.press('Home');
  await waitFor('both groups at time point 1', () => stacks().every((s) => s.hyperstack?.time === 0));
  await waitFor('the denoised values of time point 1', async () => {
    const r = await readout();
    return r.values[result[0].name] === valueOf(denoised, 0, 0, r.at) && r.values[result[1].name] === valueOf(denoised, 0, 1, r.at);
  });
  await page.waitForTimeout(500);
  await page.screenshot({ path: join(SHOTS, '3-denoised.png') });

  // Per channel scores against the high exposure: one row per hyperstack and channel.
  await byTestId('hyper-evaluate').click();
  await page.locator('[data-testid="hyper-evaluate-status"][data-state="done"]').waitFor({ timeout: 60_000 });
  const scoreRows = await byTestId('hyper-scores').locator('tbody tr').evaluateAll((els) => els.map((e) => [e.getAttribute('data-stack') ?? '', e.getAttribute('data-channel') ?? '', (e as HTMLElement).innerText]));
  const scored = [...input0, ...result];
  assert.deepEqual(scoreRows.map((r) => [r[0], r[1]]), scored.map((s) => [s.stackId, String(s.hyperstack?.channel)]));
  const { evaluateStack } = await import('../../shared/metrics/index.ts');
  const { channelVolume } = await import('../../shared/hyperstack.ts');
  for (const [i, s] of scored.entries()) {
    // The row of channel c is channel c against the reference's channel c, averaged over time.
    const h = i < C ? written : denoised;
    const c = s.hyperstack!.channel;
    let sum = 0;
    for (let t = 0; t < T; t++) sum += evaluateStack(channelVolume(h, t, c), channelVolume(writtenRef, t, c), { normalization: 'percentile-affine' }).psnr;
    const shown = Number(scoreRows[i][2].split('\t')[2]);
    assert.ok(Math.abs(shown - sum / T) < 0.006, `${s.name}: PSNR shown ${shown}, expected ${(sum / T).toFixed(2)}`);
    assert.match(scoreRows[i][2], c === 0 ? /nuclei/ : /membranes/);
  }
  // And as a plot: PSNR per time point, a line per hyperstack and channel.
  assert.equal(await byTestId('hyper-scores-plot').getAttribute('data-points'), String(scored.length * T));
  await byTestId('hyper-scores-plot').locator('.main-svg').first().waitFor({ timeout: 30_000 });
  await byTestId('hyper-evaluate-form').screenshot({ path: join(SHOTS, '3-scores.png') });

  const out = join(app.dataDir, 'cells-2c3t-denoised.tif');
  assert.equal(await byTestId('hyper-export-group').inputValue(), result[0].hyperstack!.groupId, 'the result is offered for export');
  await byTestId('hyper-export-path').fill(out);
  await byTestId('hyper-export').click();
  await page.locator('[data-testid="hyper-export-status"][data-state="done"]').waitFor({ timeout: 60_000 });
  assert.match(await byTestId('hyper-export-status').innerText(), /2 channels × 3 time points, float32/);
  await byTestId('hyperstack-panel').screenshot({ path: join(SHOTS, '4-panel.png') });

  // The project's reader: the whole hyperstack, its metadata and values as denoised.
  const back = await readHyperstack(out);
  const m = back.meta;
  assert.deepEqual([m.times, m.channels, m.depth, m.height, m.width], [T, C, Z, H, W]);
  assert.deepEqual(m.channelMeta.map((c) => [c.name, c.color]), [['nuclei', '00FFFF'], ['membranes', 'FF00FF']]);
  assert.deepEqual(m.timeIncrement, written.meta.timeIncrement);
  for (const a of ['z', 'y', 'x'] as const) assert.ok(Math.abs(m.voxelSize[a] - written.meta.voxelSize[a]) < 1e-6, `voxel ${a}`);
  assert.deepEqual(Array.from(back.data), Array.from(denoised.data));
  assert.deepEqual(problems, []);
  assert.deepEqual(await strayErrors(), []);
});

test('tifffile reads the export as T=3, C=2 with the channel names and time step', { skip: skipWithoutPython('tifffile', 'numpy') }, () => {
  const out = join(app.dataDir, 'cells-2c3t-denoised.tif');
  const r = JSON.parse(
    runPython(
      'import sys, json, tifffile\n' +
        'with tifffile.TiffFile(sys.argv[1]) as f:\n' +
        '  s = f.series[0]; md = f.imagej_metadata or {}\n' +
        '  print(json.dumps({"axes": s.axes, "shape": list(s.shape), "dtype": str(s.dtype), "labels": md.get("Labels"), "finterval": md.get("finterval"), "channels": md.get("channels"), "frames": md.get("frames")}))',
      [out],
    ),
  );
  assert.equal(r.axes, 'TZCYX');
  assert.deepEqual(r.shape, [T, Z, C, H, W]);
  assert.equal(r.dtype, 'float32');
  assert.deepEqual([r.channels, r.frames, r.finterval], [C, T, 60]);
  assert.ok(Array.isArray(r.labels) && r.labels.includes('nuclei') && r.labels.includes('membranes'), `labels ${JSON.stringify(r.labels)}`);
});

test('one joint network for both channels trains in the panel (ONNX Runtime) and denoises every channel', async () => {
  await byTestId('tab-hyperstack').click();
  await byTestId('hyperstack-panel').waitFor();
  await byTestId('hyper-channels-mode').selectOption('joint');
  assert.match(await byTestId('hyper-train').innerText(), /one network for all 2 channels/);
  const before = stacks().length;
  await byTestId('hyper-train').click();
  await page.locator('[data-testid="hyper-train-status"][data-state="done"]').waitFor({ timeout: 180_000 });
  const modelDir = await byTestId('hyper-model').inputValue();
  const manifest = JSON.parse(readFileSync(join(modelDir, 'hyperstack.json'), 'utf8')) as { channels: string; entries: { channels: number[]; dir: string }[] };
  assert.equal(manifest.channels, 'joint');
  assert.deepEqual(manifest.entries.map((e) => [e.channels, e.dir]), [[[0, 1], 'joint']]);
  // The engine the Train tab left to auto: ONNX Runtime trains a network with two outputs.
  const config = JSON.parse(readFileSync(join(modelDir, 'joint', 'config.json'), 'utf8')) as { engine?: { engine?: string } };
  assert.equal(config.engine?.engine, 'onnx');
  await byTestId('hyper-denoise').click();
  await page.locator('[data-testid="hyper-denoise-status"][data-state="done"]').waitFor({ timeout: 180_000 });
  assert.match(await byTestId('hyper-denoise-status').innerText(), /2 channels × 3 time points .*one joint model for all channels, onnx\//);
  await waitFor('the joint result group', () => stacks().length === before + C);
  const result = stacks().slice(before);
  assert.deepEqual(result.map((s) => [s.role, s.hyperstack?.channelName]), [['result', 'nuclei'], ['result', 'membranes']]);
  const denoised = app.server.core.services.stacks.group(result[0].hyperstack!.groupId).hyper;
  assert.ok(denoised.data.every(Number.isFinite));
  await byTestId('hyperstack-panel').screenshot({ path: join(SHOTS, '5-joint.png') });
  assert.deepEqual(problems, []);
  assert.deepEqual(await strayErrors(), []);
});
