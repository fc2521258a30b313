/**
 * Browsing speed of the viewer (issue 6, "Performance") on this machine's software rendering
 * (SwiftShader): a 10×2160×2160 uint16 camera stack and a 181×217×181 MRI-sized volume.
 * Time = cursor change in the store → every affected viewport redrawn → gl.finish + a 1-pixel
 * readPixels (which cannot complete before the GPU has drawn). A z step redraws the XY plane and
 * the crosshairs of XZ/YZ; a y (x) step reslices XZ (YZ). Medians of 7 steps are asserted against
 * the budgets (XY < 50 ms, XZ/YZ < 150 ms) and written to test-artifacts/viewer/perf.json.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS, type HarnessBrowser, inPage, startHarnessBrowser } from './viewer-browser.ts';

interface Timings {
  scene: string;
  dims: number[];
  loadMs: number;
  uploadedMB: number;
  xyMs: number[];
  xzMs: number[];
  yzMs: number[];
  mipDraftMs: number;
  mipFullMs: number;
}

const median = (a: number[]): number => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];
const results: Timings[] = [];
let browser: HarnessBrowser;

before(async () => {
  browser = await startHarnessBrowser();
});
after(async () => {
  await browser?.close();
  writeFileSync(join(ARTIFACTS, 'perf.json'), `${JSON.stringify(results, null, 2)}\n`);
});

async function measure(scene: string): Promise<Timings> {
  const page = await browser.open(`scene=${scene}`);
  const t = await inPage(
    page,
    (h, scene) => {
      const r = h.renderer();
      const w = h.viewer.get().world;
      if (!r || !w) throw new Error('viewer not ready');
      const steps = (axis: 'z' | 'y' | 'x'): number[] =>
        Array.from({ length: 7 }, (_, i) => r.timeChange(() => h.viewer.stepCursor(axis, i % 2 ? -2 : 3)));
      const xyMs = steps('z');
      const xzMs = steps('y');
      const yzMs = steps('x');
      // a 3-D change is first drawn as a draft (quarter of the ray steps), refined when inputs rest
      const o = h.viewer.get().orbit;
      const mipDraftMs = r.timeChange(() => h.viewer.setOrbit({ ...o, yaw: o.yaw + 0.3 }));
      return { scene, dims: [w.dims.depth, w.dims.height, w.dims.width], loadMs: h.loadMs, uploadedMB: r.uploadedBytes() / 2 ** 20, xyMs, xzMs, yzMs, mipDraftMs, mipFullMs: 0 };
    },
    scene,
  );
  t.mipFullMs = await inPage(page, (h) => {
    const r = h.renderer();
    if (!r) throw new Error('no renderer');
    r.quality = 'full';
    const o = h.viewer.get().orbit;
    return r.timeChange(() => h.viewer.setOrbit({ ...o, yaw: o.yaw + 0.3 }));
  }, null);
  await page.screenshot({ path: join(ARTIFACTS, `perf-${scene}.png`) });
  await page.close();
  results.push(t);
  const f = (a: number[]): string => `median ${median(a).toFixed(1)} ms (${a.map((v) => v.toFixed(0)).join(' ')})`;
  console.log(
    `[viewer perf] ${scene} ${t.dims.join('×')}: load+upload ${t.loadMs.toFixed(0)} ms, ${t.uploadedMB.toFixed(0)} MiB textures; ` +
      `XY ${f(t.xyMs)}; XZ ${f(t.xzMs)}; YZ ${f(t.yzMs)}; MIP draft ${t.mipDraftMs.toFixed(0)} ms, full frame ${t.mipFullMs.toFixed(0)} ms`,
  );
  return t;
}

test('10×2160×2160 uint16 stack: XY < 50 ms, XZ/YZ < 150 ms per move', async () => {
  const t = await measure('big');
  assert.deepEqual(t.dims, [10, 2160, 2160]);
  assert.ok(median(t.xyMs) < 50, `XY ${median(t.xyMs)} ms`);
  assert.ok(median(t.xzMs) < 150, `XZ ${median(t.xzMs)} ms`);
  assert.ok(median(t.yzMs) < 150, `YZ ${median(t.yzMs)} ms`);
});

test('181×217×181 volume: XY < 50 ms, XZ/YZ < 150 ms per move', async () => {
  const t = await measure('mri');
  assert.deepEqual(t.dims, [181, 217, 181]);
  assert.ok(median(t.xyMs) < 50, `XY ${median(t.xyMs)} ms`);
  assert.ok(median(t.xzMs) < 150, `XZ ${median(t.xzMs)} ms`);
  assert.ok(median(t.yzMs) < 150, `YZ ${median(t.yzMs)} ms`);
});
