import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractPlane, flatIndex, planeCoords, planeShape, sliceOf, voxelAt, clampVoxel } from '../../../shared/viewer/reslice.ts';
import { brickPlan, extractBrick, maxPoolForMip } from '../../../shared/viewer/bricks.ts';
import { screenToUV, uvToScreen, zoomAbout, fitZoom } from '../../../shared/viewer/viewTransform.ts';

// value = 100z + 10y + x encodes the voxel, so every resliced value says where it came from.
const d = { depth: 2, height: 3, width: 4 };
const data = new Float32Array(24);
for (let z = 0; z < 2; z++) for (let y = 0; y < 3; y++) for (let x = 0; x < 4; x++) data[(z * 3 + y) * 4 + x] = 100 * z + 10 * y + x;

test('XY plane z=1 is the contiguous second plane', () => {
  assert.deepEqual([...extractPlane(data, d, 'xy', 1)], [100, 101, 102, 103, 110, 111, 112, 113, 120, 121, 122, 123]);
});

test('XZ plane y=2: rows are z, columns x', () => {
  assert.deepEqual([...extractPlane(data, d, 'xz', 2)], [20, 21, 22, 23, 120, 121, 122, 123]);
});

test('YZ plane x=3: rows are y, columns z (z → right, sharing y with XY)', () => {
  assert.deepEqual([...extractPlane(data, d, 'yz', 3)], [3, 103, 13, 113, 23, 123]);
});

test('plane shapes and voxel/plane coordinate round trips', () => {
  assert.deepEqual(planeShape(d, 'xy'), { u: 4, v: 3, slices: 2 });
  assert.deepEqual(planeShape(d, 'xz'), { u: 4, v: 2, slices: 3 });
  assert.deepEqual(planeShape(d, 'yz'), { u: 2, v: 3, slices: 4 });
  const c = { z: 1, y: 2, x: 3 };
  for (const axis of ['xy', 'xz', 'yz'] as const) {
    const { u, v } = planeCoords(axis, c);
    assert.deepEqual(voxelAt(axis, sliceOf(c, axis), u, v), c);
  }
  assert.equal(data[flatIndex(d, c)], 123);
  assert.deepEqual(clampVoxel(d, { z: 5, y: -1, x: 2.6 }), { z: 1, y: 0, x: 3 });
  assert.throws(() => extractPlane(data, d, 'xz', 3), /outside 0–2/);
});

test('bricks: 10×2160×2160 splits into 2×2 bricks of 1080 in XY, full depth', () => {
  const plan = brickPlan({ depth: 10, height: 2160, width: 2160 }, 2048);
  assert.equal(plan.length, 4);
  assert.deepEqual(plan[3], { z0: 0, z1: 10, y0: 1080, y1: 2160, x0: 1080, x1: 2160 });
  assert.equal(brickPlan({ depth: 181, height: 217, width: 181 }, 2048).length, 1);
});

test('brick extraction copies the right voxels', () => {
  const [, b1] = brickPlan(d, 2); // bricks along z, then y (0–1, 1–3), then x
  const plan = brickPlan(d, 2);
  assert.equal(plan.length, 1 * 2 * 2);
  assert.deepEqual(b1, { z0: 0, z1: 2, y0: 0, y1: 1, x0: 2, x1: 4 });
  assert.deepEqual([...extractBrick(data, d, b1)], [2, 3, 102, 103]);
  assert.equal(extractBrick(data, d, { z0: 0, z1: 2, y0: 0, y1: 3, x0: 0, x1: 4 }), data);
});

test('max-pool downsample keeps the maximum of each block', () => {
  const r = maxPoolForMip(data, d, 2);
  assert.deepEqual(r.dims, { depth: 2, height: 2, width: 2 });
  // z=0: y blocks {0,1},{2}; x blocks {0,1},{2,3}
  assert.deepEqual([...r.data.subarray(0, 4)], [11, 13, 21, 23]);
});

test('screen ↔ voxel mapping stretches XZ by the z spacing', () => {
  const cam = { zoom: 2, centre: { z: 10, y: 0, x: 0 } };
  const s = { z: 5, y: 1, x: 1 };
  // XZ: screen centre (50, 50) of a 100×100 view is physical (x=0, z=10) → voxel z = 10/5 = 2
  assert.deepEqual(screenToUV(cam, 'xz', s, 50, 50, 100, 100), { u: 0, v: 2 });
  // 10 px further down = 5 physical units = one z voxel
  assert.deepEqual(screenToUV(cam, 'xz', s, 50, 60, 100, 100), { u: 0, v: 3 });
  const p = uvToScreen(cam, 'xz', s, 3, 2, 100, 100);
  assert.deepEqual(p, { px: 50 + 3.5 * 2, py: 50 + (2.5 * 5 - 10) * 2 });
  const z2 = zoomAbout(cam, 'xy', 2, 80, 20, 100, 100);
  assert.equal(z2.zoom, 4);
  // the physical point under the mouse stays under the mouse
  assert.deepEqual(screenToUV(z2, 'xy', s, 80, 20, 100, 100), screenToUV(cam, 'xy', s, 80, 20, 100, 100));
  assert.ok(Math.abs(fitZoom({ depth: 10, height: 100, width: 200 }, { z: 1, y: 1, x: 1 }, 400, 400) - 1.9) < 1e-12);
});
