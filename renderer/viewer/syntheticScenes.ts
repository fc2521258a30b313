/**
 * Synthetic stacks for the viewer harness and its browser tests (no files needed). Values encode
 * position where the tests need to recognise a plane from its pixels.
 */
import { createRng } from '../../shared/random.ts';
import type { ViewerStore } from '../state/layers.ts';

export type SceneName = 'basic' | 'big' | 'mri';

/**
 * 12×48×64 stack, z spacing 3 (anisotropic): value = 1000·z + 8·y + 6·x, so each z plane owns
 * the band [1000·z, 1000·z + 754] — with contrast limits on one band, planes below are black,
 * above white, and y/x are readable from the grey level. Three versions
 * (noisy, clean, reference) and a labels layer with two boxes.
 */
export function basicScene(viewer: ViewerStore): void {
  const dims = { depth: 12, height: 48, width: 64 };
  const n = dims.depth * dims.height * dims.width;
  const clean = new Float32Array(n);
  const noisy = new Float32Array(n);
  const reference = new Float32Array(n);
  const rng = createRng(6);
  for (let z = 0; z < dims.depth; z++)
    for (let y = 0; y < dims.height; y++)
      for (let x = 0; x < dims.width; x++) {
        const i = (z * dims.height + y) * dims.width + x;
        clean[i] = 1000 * z + 8 * y + 6 * x;
        noisy[i] = clean[i] + 150 * rng.normal();
        reference[i] = clean[i] + 20 * rng.normal();
      }
  const labels = new Uint16Array(n);
  for (let z = 2; z < 10; z++)
    for (let y = 8; y < 20; y++)
      for (let x = 8; x < 24; x++) labels[(z * dims.height + y) * dims.width + x] = 3;
  for (let z = 4; z < 8; z++)
    for (let y = 28; y < 40; y++)
      for (let x = 36; x < 56; x++) labels[(z * dims.height + y) * dims.width + x] = 17;
  const common = { dims, spacing: { z: 3, y: 1, x: 1 }, unit: 'micron', dtype: 'float32' };
  const limits: [number, number] = [0, 11754];
  viewer.addImageLayer({ name: 'low exposure', data: noisy, ...common, contrastLimits: limits });
  viewer.addImageLayer({ name: 'denoised', data: clean, ...common, contrastLimits: limits, visible: false });
  viewer.addImageLayer({ name: 'reference', data: reference, ...common, contrastLimits: limits, visible: false });
  viewer.addLabelsLayer({ name: 'nuclei', data: labels, dims, spacing: common.spacing, unit: 'micron', opacity: 0.7 });
}

/** 10×2160×2160 uint16 values (a 16-bit camera z-stack): blobs on a gradient, Poisson-like noise. */
export function bigScene(viewer: ViewerStore): void {
  const dims = { depth: 10, height: 2160, width: 2160 };
  const data = new Float32Array(dims.depth * dims.height * dims.width);
  const rng = createRng(10);
  const noise = new Float32Array(4096).map(() => rng.normal() * 40);
  // separable blob pattern: 46 M voxels without a cosine each
  const cy = Float32Array.from({ length: dims.height }, (_, y) => Math.cos(y / 41));
  const cx = new Float32Array(dims.width);
  let k = 0;
  for (let z = 0; z < dims.depth; z++) {
    for (let x = 0; x < dims.width; x++) cx[x] = Math.cos(x / 37 + z * 0.3);
    for (let y = 0; y < dims.height; y++)
      for (let x = 0; x < dims.width; x++) {
        const blob = cx[x] * cy[y] > 0.6 ? 20000 : 0;
        data[k] = Math.round(Math.max(0, Math.min(65535, 1000 + z * 500 + x + blob + noise[(k * 2654435761) & 4095])));
        k++;
      }
  }
  viewer.addImageLayer({ name: 'camera stack', data, dims, spacing: { z: 2, y: 0.1, x: 0.1 }, unit: 'micron', dtype: 'uint16' });
}

/** 181×217×181 MRI-like phantom at 1 mm (size of the MNI colin27 T1): nested ellipsoid shells. */
export function mriScene(viewer: ViewerStore): void {
  const dims = { depth: 181, height: 217, width: 181 };
  const data = new Float32Array(dims.depth * dims.height * dims.width);
  const rng = createRng(27);
  let k = 0;
  for (let z = 0; z < dims.depth; z++)
    for (let y = 0; y < dims.height; y++)
      for (let x = 0; x < dims.width; x++) {
        const r = Math.hypot((x - 90) / 72, (y - 108) / 90, (z - 90) / 70);
        const v = r < 0.8 ? 60 + 40 * Math.sin(r * 25) : r < 0.9 ? 30 : r < 1 ? 90 : 0;
        data[k++] = v + 4 * rng.normal();
      }
  viewer.addImageLayer({ name: 'T1 phantom', data, dims, spacing: { z: 1, y: 1, x: 1 }, unit: 'mm', dtype: 'uint8' });
}

export function loadScene(viewer: ViewerStore, name: SceneName): void {
  if (name === 'big') bigScene(viewer);
  else if (name === 'mri') mriScene(viewer);
  else basicScene(viewer);
}
