/**
 * Browser tests of the stack viewer (issue 6) on its standalone harness: Chromium via
 * playwright-core, WebGL2 through SwiftShader. Canvas pixels are compared with colours computed on
 * the CPU from the layer's data (shared/viewer contrast + colormap code), so the GPU reslicing,
 * contrast and blending are checked against an independent path. Screenshots go to
 * test-artifacts/viewer/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { labelColour } from '../../shared/viewer/labels.ts';
import { ARTIFACTS, type HarnessBrowser, inPage, startHarnessBrowser } from './viewer-browser.ts';

type RGBA = [number, number, number, number];
type Voxel = { z: number; y: number; x: number };

let browser: HarnessBrowser;
before(async () => {
  browser = await startHarnessBrowser();
});
after(async () => {
  await browser?.close();
});
const openHarness = (query: string): Promise<Page> => browser.open(query);

/** Canvas pixel at the centre of voxel c in a viewport, and the colour expected there for a layer. */
async function probe(page: Page, viewport: string, c: Voxel, layer: string): Promise<{ got: RGBA; want: number[] }> {
  return inPage(
    page,
    (h, { viewport, c, layer }) => {
      const r = h.renderer();
      if (!r) throw new Error('no renderer');
      const p = h.voxelOnScreen(viewport, c);
      return { got: r.readPixel(viewport, p.px, p.py), want: h.expectedColour(layer, c) };
    },
    { viewport, c, layer },
  );
}

function assertColour(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  for (let k = 0; k < 3; k++) {
    assert.ok(Math.abs(got[k] - want[k]) <= tol, `${what}: got rgb(${[...Array.from(got)].slice(0, 3)}) want rgb(${Array.from(want).map((v) => v.toFixed(1))})`);
  }
}

async function setLayer(page: Page, name: string, patch: Record<string, unknown>): Promise<void> {
  await inPage(page, (h, { name, patch }) => h.viewer.updateLayer(h.layerId(name), patch), { name, patch });
}

async function shot(page: Page, name: string, viewport?: string): Promise<Buffer> {
  if (viewport) {
    const box = await page.locator(`[data-viewport="${viewport}"]`).boundingBox();
    assert.ok(box, `viewport ${viewport} on the page`);
    return page.screenshot({ path: join(ARTIFACTS, `${name}.png`), clip: box });
  }
  return page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

async function clickVoxel(page: Page, viewport: string, c: Voxel): Promise<void> {
  const box = await page.locator(`[data-viewport="${viewport}"]`).boundingBox();
  assert.ok(box);
  const p = await inPage(page, (h, { viewport, c }) => h.voxelOnScreen(viewport, c), { viewport, c });
  await page.mouse.click(box.x + p.px, box.y + p.py);
}

const cursorOf = (page: Page): Promise<Voxel> => inPage(page, (h) => h.viewer.get().cursor, null);

test('moving the cursor in XY changes the XZ/YZ planes and the readout to the expected values', async () => {
  const page = await openHarness('scene=basic');
  // the clean layer alone, contrast on the band of plane z = 3 (values 3000–3754)
  await setLayer(page, 'nuclei', { visible: false });
  await setLayer(page, 'low exposure', { visible: false });
  await setLayer(page, 'denoised', { visible: true, contrastLimits: [3000, 3800] });
  await inPage(page, (h) => h.viewer.setCursor({ z: 6, y: 24, x: 32 }), null);
  const before = await probe(page, 'ortho-xz', { z: 3, y: 24, x: 10 }, 'denoised');
  assertColour(before.got, before.want, 2, 'XZ before the move');

  await clickVoxel(page, 'ortho-xy', { z: 6, y: 40, x: 50 });
  assert.deepEqual(await cursorOf(page), { z: 6, y: 40, x: 50 });

  // XZ now shows plane y = 40: rows z < 3 black, z = 3 grey by x, z > 3 white
  for (const x of [5, 20, 44, 60]) {
    const p = await probe(page, 'ortho-xz', { z: 3, y: 40, x }, 'denoised');
    assertColour(p.got, p.want, 2, `XZ (z 3, x ${x})`);
  }
  const after = await probe(page, 'ortho-xz', { z: 3, y: 40, x: 10 }, 'denoised');
  assert.ok(after.got[0] - before.got[0] > 30, `XZ grey level must rise with y: ${before.got[0]} → ${after.got[0]}`);
  assert.deepEqual((await probe(page, 'ortho-xz', { z: 1, y: 40, x: 10 }, 'denoised')).got.slice(0, 3), [0, 0, 0]);
  assert.deepEqual((await probe(page, 'ortho-xz', { z: 9, y: 40, x: 10 }, 'denoised')).got.slice(0, 3), [255, 255, 255]);
  // YZ now shows plane x = 50 (z → right, y ↓)
  for (const y of [4, 20, 30, 46]) {
    const p = await probe(page, 'ortho-yz', { z: 3, y, x: 50 }, 'denoised');
    assertColour(p.got, p.want, 2, `YZ (z 3, y ${y})`);
  }

  // readout: voxel, physical (z spacing 3 micron) and the value of each visible layer
  assert.equal(await page.textContent('[data-readout="voxel"]'), 'z 6, y 40, x 50');
  assert.equal(await page.textContent('[data-readout="physical"]'), '(18, 40, 50) µm');
  assert.equal(await page.getAttribute('[data-readout-layer="denoised"]', 'data-value'), String(1000 * 6 + 8 * 40 + 6 * 50));
  assert.equal(await page.locator('[data-readout-layer="low exposure"]').count(), 0, 'hidden layers are not read out');

  // keyboard: PageUp moves to plane z = 7; the XY view follows
  await setLayer(page, 'denoised', { contrastLimits: [6000, 7800] });
  await page.locator('[data-viewport="ortho-xy"]').click({ position: { x: 3, y: 3 } });
  const z6 = await probe(page, 'ortho-xy', { z: 6, y: 10, x: 10 }, 'denoised');
  await clickVoxel(page, 'ortho-xy', { z: 6, y: 40, x: 50 });
  await page.keyboard.press('PageUp');
  assert.deepEqual(await cursorOf(page), { z: 7, y: 40, x: 50 });
  const z7 = await probe(page, 'ortho-xy', { z: 7, y: 10, x: 10 }, 'denoised');
  assertColour(z7.got, z7.want, 2, 'XY after PageUp');
  assert.ok(z7.got[0] - z6.got[0] > 100, 'plane 7 is brighter than plane 6');
  await page.keyboard.press('ArrowLeft');
  assert.deepEqual(await cursorOf(page), { z: 7, y: 40, x: 49 });
  // plane sliders
  await page.locator('[data-slider="z"]').fill('3');
  assert.deepEqual(await cursorOf(page), { z: 3, y: 40, x: 49 });
  await page.locator('[data-slider="z"]').fill('7');
  assert.equal(await page.getAttribute('[data-readout-layer="denoised"]', 'data-value'), String(7000 + 320 + 294));
  await shot(page, 'cursor-moved');
  await page.close();
});

test('contrast limits, gamma and colormap change the pixel output', async () => {
  const page = await openHarness('scene=basic');
  await setLayer(page, 'nuclei', { visible: false });
  const c = { z: 6, y: 10, x: 12 };
  const wide = await probe(page, 'ortho-xy', c, 'low exposure');
  assertColour(wide.got, wide.want, 2, 'limits 0–11754');
  const shotWide = await shot(page, 'contrast-wide', 'ortho-xy');

  await setLayer(page, 'low exposure', { contrastLimits: [6000, 6500] });
  const narrow = await probe(page, 'ortho-xy', c, 'low exposure');
  assertColour(narrow.got, narrow.want, 2, 'limits 6000–6500');
  assert.ok(Math.abs(narrow.got[0] - wide.got[0]) > 40, `narrow limits stretch the grey level: ${wide.got[0]} → ${narrow.got[0]}`);
  const shotNarrow = await shot(page, 'contrast-narrow', 'ortho-xy');
  assert.notDeepEqual(shotNarrow, shotWide, 'screenshots differ');

  await setLayer(page, 'low exposure', { gamma: 2 });
  const g = await probe(page, 'ortho-xy', c, 'low exposure');
  assertColour(g.got, g.want, 2, 'gamma 2');
  await setLayer(page, 'low exposure', { colormap: 'magma', gamma: 1 });
  const m = await probe(page, 'ortho-xy', c, 'low exposure');
  assertColour(m.got, m.want, 2, 'magma');
  assert.ok(m.got[0] !== m.got[2], 'magma is not grey');
  await shot(page, 'contrast-magma', 'ortho-xy');

  // additive blending: a green layer on top adds to the grey one below (clamped at 255)
  await setLayer(page, 'low exposure', { colormap: 'gray', contrastLimits: [0, 11754] });
  await setLayer(page, 'denoised', { visible: true, colormap: 'green', blending: 'additive', contrastLimits: [0, 11754] });
  const base = await probe(page, 'ortho-xy', c, 'low exposure');
  const top = await inPage(page, (h, c) => h.expectedColour('denoised', c), c);
  assertColour(base.got, base.want.map((v, k) => Math.min(255, v + top[k])), 2, 'gray + additive green');
  await setLayer(page, 'denoised', { blending: 'translucent', opacity: 0.5 });
  const half = await probe(page, 'ortho-xy', c, 'low exposure');
  assertColour(half.got, half.want.map((v, k) => 0.5 * v + 0.5 * top[k]), 2, 'translucent green at opacity 0.5');
  await setLayer(page, 'denoised', { visible: false });

  // auto-contrast button: limits become the layer's 0.5–99.5 percentiles
  await inPage(page, (h) => h.viewer.select(h.layerId('low exposure')), null);
  await page.click('[data-control="auto-contrast"]');
  const limits = await inPage(page, (h) => {
    const l = h.viewer.get().layers.find((x) => x.name === 'low exposure');
    return l && l.kind === 'image' ? l.contrastLimits : null;
  }, null);
  assert.ok(limits && limits[0] > -500 && limits[0] < 500 && limits[1] > 11000 && limits[1] < 12300, `auto limits ${limits}`);
  await page.close();
});

test('grid mode shows three linked layers (shared cursor, zoom and pan)', async () => {
  const page = await openHarness('scene=basic');
  await setLayer(page, 'nuclei', { visible: false });
  await setLayer(page, 'denoised', { visible: true });
  await setLayer(page, 'reference', { visible: true });
  const names = ['low exposure', 'denoised', 'reference'];
  await inPage(page, (h, names) => {
    h.viewer.setMode('grid');
    h.viewer.setGrid(names.map((n) => h.layerId(n)), 'xy');
    h.viewer.setCursor({ z: 5, y: 24, x: 32 });
  }, names);
  await page.waitForSelector('[data-viewport="grid-2"]');
  assert.equal(await page.locator('[data-viewport^="grid-"]').count(), 3);
  await page.waitForTimeout(100);

  const checkCells = async (c: Voxel, what: string): Promise<void> => {
    const got: RGBA[] = [];
    for (let i = 0; i < 3; i++) {
      const p = await probe(page, `grid-${i}`, c, names[i]);
      assertColour(p.got, p.want, 2, `${what}: cell ${i} (${names[i]})`);
      got.push(p.got);
    }
  };
  await checkCells({ z: 5, y: 10, x: 12 }, 'initial');
  // the noisy and the clean layer differ at this voxel, so the cells are really different layers
  const diff = await inPage(page, (h) => h.expectedColour('low exposure', { z: 5, y: 10, x: 12 })[0] - h.expectedColour('denoised', { z: 5, y: 10, x: 12 })[0], null);
  assert.ok(Math.abs(diff) >= 1, 'test voxel distinguishes the layers');

  // click in the third cell: the cursor (and the crosshair in every cell) moves there
  await clickVoxel(page, 'grid-2', { z: 5, y: 36, x: 16 });
  assert.deepEqual(await cursorOf(page), { z: 5, y: 36, x: 16 });
  for (let i = 0; i < 3; i++) {
    const p = await inPage(page, (h, i) => h.voxelOnScreen(`grid-${i}`, { z: 5, y: 36, x: 16 }), i);
    const v = page.locator(`[data-viewport="grid-${i}"] [data-crosshair="v"]`);
    const hl = page.locator(`[data-viewport="grid-${i}"] [data-crosshair="h"]`);
    // the GL viewport is the cell's rectangle rounded to whole pixels: allow that half pixel
    assert.ok(Math.abs(Number(await v.getAttribute('x1')) - p.px) <= 0.5, `vertical crosshair at the cursor in cell ${i}`);
    assert.ok(Math.abs(Number(await hl.getAttribute('y1')) - p.py) <= 0.5, `horizontal crosshair at the cursor in cell ${i}`);
  }

  // wheel zoom in the first cell zooms all cells; shift-drag in the second pans all cells
  const zoom0 = await inPage(page, (h) => h.viewer.get().camera.zoom, null);
  const box0 = await page.locator('[data-viewport="grid-0"]').boundingBox();
  assert.ok(box0);
  await page.mouse.move(box0.x + box0.width / 2, box0.y + box0.height / 2);
  await page.mouse.wheel(0, -400);
  await page.waitForTimeout(50);
  const zoom1 = await inPage(page, (h) => h.viewer.get().camera.zoom, null);
  assert.ok(zoom1 > zoom0 * 1.5, `zoomed in: ${zoom0} → ${zoom1}`);
  const box1 = await page.locator('[data-viewport="grid-1"]').boundingBox();
  assert.ok(box1);
  const centre0 = await inPage(page, (h) => h.viewer.get().camera.centre, null);
  await page.keyboard.down('Shift');
  await page.mouse.move(box1.x + 100, box1.y + 100);
  await page.mouse.down();
  await page.mouse.move(box1.x + 160, box1.y + 130, { steps: 4 });
  await page.mouse.up();
  await page.keyboard.up('Shift');
  const centre = await inPage(page, (h) => h.viewer.get().camera.centre, null);
  // dragging the image right/down by (60, 30) px moves the view centre left/up by that / zoom
  assert.ok(
    Math.abs(centre.x - centre0.x + 60 / zoom1) < 1e-6 && Math.abs(centre.y - centre0.y + 30 / zoom1) < 1e-6 && centre.z === centre0.z,
    `panned centre ${JSON.stringify(centre0)} → ${JSON.stringify(centre)}`,
  );
  // after zoom and pan, every cell still shows its own layer at the same screen place
  await checkCells({ z: 5, y: 30, x: 20 }, 'zoomed and panned');
  await shot(page, 'grid-three-layers');

  // XZ cells: PageUp steps through y planes, vertical arrows move along z
  await inPage(page, (h, names) => h.viewer.setGrid(names.map((n) => h.layerId(n)), 'xz'), names);
  const c0 = await cursorOf(page);
  await page.focus('.n2s-views');
  await page.keyboard.press('PageUp');
  await page.keyboard.press('ArrowDown');
  assert.deepEqual(await cursorOf(page), { z: c0.z + 1, y: c0.y + 1, x: c0.x });
  await checkCells({ z: 3, y: c0.y + 1, x: 20 }, 'XZ cells');
  await page.close();
});

test('labels layer is drawn over the image (fill, contour, selection)', async () => {
  const page = await openHarness('scene=basic');
  await inPage(page, (h) => h.viewer.setCursor({ z: 6, y: 34, x: 45 }), null);
  const inside = { z: 6, y: 31, x: 40 }; // label 17 covers z 4–7, y 28–39, x 36–55
  const outside = { z: 6, y: 4, x: 4 };
  const blend = (img: number[], alpha: number): number[] => labelColour(17).map((c, k) => alpha * c * 255 + (1 - alpha) * img[k]);

  const pIn = await probe(page, 'ortho-xy', inside, 'low exposure');
  assertColour(pIn.got, blend(pIn.want, 0.7), 3, 'label 17 at opacity 0.7 over the image');
  const pOut = await probe(page, 'ortho-xy', outside, 'low exposure');
  assertColour(pOut.got, pOut.want, 2, 'background label 0 is transparent');
  // the labels are 3-D: XZ through y = 34 shows label 17 on rows z 4–7 only
  const xzIn = await probe(page, 'ortho-xz', { z: 5, y: 34, x: 40 }, 'low exposure');
  assertColour(xzIn.got, blend(xzIn.want, 0.7), 3, 'label in XZ');
  const xzOut = await probe(page, 'ortho-xz', { z: 9, y: 34, x: 40 }, 'low exposure');
  assertColour(xzOut.got, xzOut.want, 2, 'no label above z 7 in XZ');
  await shot(page, 'labels-over-image');

  await setLayer(page, 'nuclei', { contour: true });
  const cIn = await probe(page, 'ortho-xy', inside, 'low exposure');
  assertColour(cIn.got, cIn.want, 2, 'contour mode: interior shows the image');
  const edge = await probe(page, 'ortho-xy', { z: 6, y: 28, x: 40 }, 'low exposure');
  assertColour(edge.got, blend(edge.want, 0.7), 3, 'contour mode: boundary drawn');
  // with the labels layer selected, clicking a label selects (highlights) it
  await inPage(page, (h) => h.viewer.select(h.layerId('nuclei')), null);
  await clickVoxel(page, 'ortho-xy', inside);
  const picked = await inPage(page, (h) => {
    const l = h.viewer.get().layers.find((x) => x.name === 'nuclei');
    return l?.kind === 'labels' ? l.selectedLabel : undefined;
  }, null);
  assert.equal(picked, 17);
  const sel = await probe(page, 'ortho-xy', inside, 'low exposure');
  assertColour(sel.got, labelColour(17).map((c) => c * 255), 2, 'selected label filled opaque');
  await shot(page, 'labels-contour-selected');
  await page.close();
});

test('swipe mode, difference and residual views, 3-D MIP rotation', async () => {
  const page = await openHarness('scene=basic');
  await setLayer(page, 'nuclei', { visible: false });
  await setLayer(page, 'denoised', { visible: true, colormap: 'green' });
  await inPage(page, (h) => {
    h.viewer.setMode('swipe');
    h.viewer.setSwipe({ leftId: h.layerId('low exposure'), rightId: h.layerId('denoised'), position: 0.5, axis: 'xy' });
    h.viewer.setCursor({ z: 6, y: 24, x: 32 });
  }, null);
  await page.waitForSelector('[data-viewport="swipe"]');
  await page.waitForTimeout(100);
  const left = await probe(page, 'swipe', { z: 6, y: 10, x: 8 }, 'low exposure');
  assertColour(left.got, left.want, 2, 'left of the curtain: low exposure');
  const right = await probe(page, 'swipe', { z: 6, y: 10, x: 56 }, 'denoised');
  assertColour(right.got, right.want, 2, 'right of the curtain: denoised (green)');
  await shot(page, 'swipe');

  // difference low − denoised: the noise, around 0, on the diverging map
  await inPage(page, (h) => {
    h.viewer.setMode('ortho');
    h.viewer.addDifferenceLayer(h.layerId('low exposure'), h.layerId('denoised'));
  }, null);
  await page.waitForSelector('[data-viewport="ortho-xy"]');
  await page.waitForTimeout(100);
  const d = await probe(page, 'ortho-xy', { z: 6, y: 10, x: 8 }, 'low exposure − denoised');
  assertColour(d.got, d.want, 2, 'difference on the diverging colormap');
  const limits = await inPage(page, (h) => {
    const l = h.viewer.get().layers.find((x) => x.name === 'low exposure − denoised');
    return l?.kind === 'image' ? [l.colormap, ...l.contrastLimits] : null;
  }, null);
  assert.ok(limits && limits[0] === 'diverging' && limits[1] === -limits[2], `symmetric limits ${limits}`);
  await shot(page, 'difference');
  await inPage(page, (h) => h.viewer.addResidualLayer(h.layerId('low exposure')), null);
  const r = await probe(page, 'ortho-xy', { z: 6, y: 10, x: 8 }, 'low exposure residual');
  assertColour(r.got, r.want, 2, 'neighbour-plane residual');

  // 3-D MIP: drawn, and rotating changes it
  const mip1 = await shot(page, 'mip-a', 'ortho-3d');
  const lit = await inPage(page, (h) => {
    const r = h.renderer()?.viewportRect('ortho-3d');
    return r ? h.renderer()?.readPixel('ortho-3d', r.w / 2, r.h / 2) : null;
  }, null);
  assert.ok(lit && lit[0] + lit[1] + lit[2] > 30, `MIP centre is lit: ${lit}`);
  // drag with the mouse to rotate
  const yaw0 = await inPage(page, (h) => h.viewer.get().orbit.yaw, null);
  const box3d = await page.locator('[data-viewport="ortho-3d"]').boundingBox();
  assert.ok(box3d);
  await page.mouse.move(box3d.x + 100, box3d.y + 100);
  await page.mouse.down();
  await page.mouse.move(box3d.x + 220, box3d.y + 140, { steps: 3 });
  await page.mouse.up();
  const yaw1 = await inPage(page, (h) => h.viewer.get().orbit.yaw, null);
  assert.ok(Math.abs(yaw1 - (yaw0 - 1.2)) < 1e-9, `drag of 120 px turns the view by 1.2 rad: ${yaw0} → ${yaw1}`);
  await page.waitForTimeout(400); // past the draft-quality window, so the refined frame is drawn
  const mip2 = await shot(page, 'mip-b', 'ortho-3d');
  assert.notDeepEqual(mip1, mip2, 'rotation changes the MIP');
  await page.close();
});

test('bricked textures (forced 16-voxel bricks) reslice seamlessly', async () => {
  const page = await openHarness('scene=basic&maxTex=16');
  const bricks = await inPage(page, (h) => h.renderer()?.maxTextureSide, null);
  assert.equal(bricks, 16);
  await setLayer(page, 'nuclei', { visible: false });
  await inPage(page, (h) => h.viewer.setCursor({ z: 6, y: 17, x: 33 }), null);
  // voxels on both sides of brick borders (x 16|32|48, y 16|32, z 0–11 one brick)
  for (const c of [
    { z: 6, y: 15, x: 15 },
    { z: 6, y: 16, x: 16 },
    { z: 6, y: 31, x: 48 },
    { z: 6, y: 47, x: 63 },
  ]) {
    const p = await probe(page, 'ortho-xy', c, 'low exposure');
    assertColour(p.got, p.want, 2, `XY ${JSON.stringify(c)}`);
  }
  for (const c of [{ z: 2, y: 17, x: 47 }, { z: 11, y: 17, x: 50 }]) {
    const p = await probe(page, 'ortho-xz', c, 'low exposure');
    assertColour(p.got, p.want, 2, `XZ ${JSON.stringify(c)}`);
  }
  for (const c of [{ z: 3, y: 31, x: 33 }, { z: 8, y: 32, x: 33 }]) {
    const p = await probe(page, 'ortho-yz', c, 'low exposure');
    assertColour(p.got, p.want, 2, `YZ ${JSON.stringify(c)}`);
  }
  await shot(page, 'bricked');
  await page.close();
});

test('layer display state persists with the session across a reload', async () => {
  const session = `persist-${Date.now()}`;
  const page = await openHarness(`scene=basic&session=${session}`);
  await setLayer(page, 'low exposure', { colormap: 'viridis', gamma: 0.5, contrastLimits: [100, 9000] });
  await inPage(page, (h) => h.viewer.reorder(h.layerId('nuclei'), 0), null);
  await page.reload();
  await page.waitForFunction(() => window.n2sViewer !== undefined);
  await page.evaluate(() => window.n2sViewer.ready);
  const restored = await inPage(page, (h) => {
    const l = h.viewer.get().layers.find((x) => x.name === 'low exposure');
    return { layer: l?.kind === 'image' ? [l.colormap, l.gamma, ...l.contrastLimits] : null, order: h.viewer.get().layers.map((x) => x.name) };
  }, null);
  assert.deepEqual(restored.layer, ['viridis', 0.5, 100, 9000]);
  assert.equal(restored.order[0], 'nuclei');
  const p = await probe(page, 'ortho-xy', { z: 6, y: 10, x: 12 }, 'low exposure');
  assertColour(p.got, p.want, 2, 'restored display drawn');

  // the layer list: rename by double-click, move up, remove
  await page.dblclick('[data-layer="reference"] .n2s-layer-name');
  await page.fill('[data-layer="reference"] input.n2s-rename', 'high exposure');
  await page.keyboard.press('Enter');
  await page.click('[data-layer="nuclei"] button[title="move up"]');
  await page.click('[data-layer="denoised"] button[data-testid="layer-close"]');
  const names = await inPage(page, (h) => h.viewer.get().layers.map((x) => x.name), null);
  assert.deepEqual(names, ['low exposure', 'nuclei', 'high exposure']); // list index 0 = bottom
  await page.close();
});
