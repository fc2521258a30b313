import { forEachNeighbour, neighbourhood, voxelCount, type Connectivity, type Shape3 } from './grid.ts';

/**
 * Connected-component labelling of a mask (non-zero = foreground), labels 1..n in raster order of
 * each component's first voxel, like skimage.measure.label.
 */
export function labelComponents(mask: ArrayLike<number>, s: Shape3, connectivity: Connectivity = 'full'): { labels: Uint32Array; count: number } {
  const n = voxelCount(s);
  const labels = new Uint32Array(n);
  const nb = neighbourhood(s, connectivity);
  const queue = new Int32Array(n);
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (!mask[i] || labels[i]) continue;
    count++;
    let head = 0;
    let tail = 0;
    queue[tail++] = i;
    labels[i] = count;
    while (head < tail) {
      const p = queue[head++]!;
      forEachNeighbour(s, nb, p, (q) => {
        if (mask[q] && !labels[q]) {
          labels[q] = count;
          queue[tail++] = q;
        }
      });
    }
  }
  return { labels, count };
}

/** Sizes (voxel counts) of labels 0..max; index 0 counts the background. */
export function labelSizes(labels: ArrayLike<number>): Uint32Array {
  let max = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i]! > max) max = labels[i]!;
  const sizes = new Uint32Array(max + 1);
  for (let i = 0; i < labels.length; i++) sizes[labels[i]!]!++;
  return sizes;
}

/**
 * Fills holes: background voxels not connected (face connectivity, as scipy's binary_fill_holes)
 * to the border of the grid become foreground. For a stack segmented plane by plane call it per
 * plane (depth 1); with depth > 1 a hole must be closed in 3-D.
 */
export function fillHoles(mask: Uint8Array, s: Shape3): Uint8Array {
  const n = voxelCount(s);
  const outside = new Uint8Array(n);
  const nb = neighbourhood(s, 1);
  const queue = new Int32Array(n);
  let tail = 0;
  const plane = s.height * s.width;
  for (let i = 0; i < n; i++) {
    if (mask[i]) continue;
    const z = Math.floor(i / plane);
    const r = i - z * plane;
    const y = Math.floor(r / s.width);
    const x = r - y * s.width;
    const onBorder = y === 0 || x === 0 || y === s.height - 1 || x === s.width - 1 || (s.depth > 1 && (z === 0 || z === s.depth - 1));
    if (onBorder) {
      outside[i] = 1;
      queue[tail++] = i;
    }
  }
  let head = 0;
  while (head < tail) {
    const p = queue[head++]!;
    forEachNeighbour(s, nb, p, (q) => {
      if (!mask[q] && !outside[q]) {
        outside[q] = 1;
        queue[tail++] = q;
      }
    });
  }
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = outside[i] ? 0 : 1;
  return out;
}

/** Removes connected components smaller than minSize voxels (skimage.morphology.remove_small_objects). */
export function removeSmallObjects(mask: Uint8Array, s: Shape3, minSize: number, connectivity: Connectivity = 'full'): Uint8Array {
  if (minSize <= 1) return mask.slice();
  const { labels } = labelComponents(mask, s, connectivity);
  const sizes = labelSizes(labels);
  const out = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) out[i] = labels[i] && sizes[labels[i]!]! >= minSize ? 1 : 0;
  return out;
}

/** Renumbers labels to 1..n in order of first appearance, dropping gaps; returns n. */
export function relabelSequential(labels: Uint32Array, offset = 0): number {
  const map = new Map<number, number>();
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (!l) continue;
    let m = map.get(l);
    if (m === undefined) {
      m = offset + map.size + 1;
      map.set(l, m);
    }
    labels[i] = m;
  }
  return map.size;
}
