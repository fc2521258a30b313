/**
 * Index math of the three orthogonal views of a ZYX stack (plane z starts at z·H·W).
 * Screen convention, as in Fiji's orthogonal views: XY shows x → right, y ↓ down; XZ (below XY)
 * shows x → right, z ↓ down; YZ (right of XY) shows z → right, y ↓ down, so the views share
 * their x and y axes with XY. (u, v) are the horizontal and vertical voxel indices in a view.
 */
export type Axis = 'xy' | 'xz' | 'yz';
export const AXES: readonly Axis[] = ['xy', 'xz', 'yz'];

export interface Dims {
  depth: number;
  height: number;
  width: number;
}

export interface Voxel {
  z: number;
  y: number;
  x: number;
}

export interface Spacing {
  z: number;
  y: number;
  x: number;
}

/** Size of a view's plane in voxels (horizontal, vertical) and the number of planes along it. */
export function planeShape(d: Dims, axis: Axis): { u: number; v: number; slices: number } {
  switch (axis) {
    case 'xy':
      return { u: d.width, v: d.height, slices: d.depth };
    case 'xz':
      return { u: d.width, v: d.depth, slices: d.height };
    case 'yz':
      return { u: d.depth, v: d.height, slices: d.width };
  }
}

/** Physical size of one voxel step along a view's horizontal and vertical axes. */
export function planeSpacing(s: Spacing, axis: Axis): { u: number; v: number } {
  switch (axis) {
    case 'xy':
      return { u: s.x, v: s.y };
    case 'xz':
      return { u: s.x, v: s.z };
    case 'yz':
      return { u: s.z, v: s.y };
  }
}

/** The plane index of a view that passes through the cursor. */
export function sliceOf(c: Voxel, axis: Axis): number {
  return axis === 'xy' ? c.z : axis === 'xz' ? c.y : c.x;
}

/** The voxel of a view at (u, v) on plane `slice`. */
export function voxelAt(axis: Axis, slice: number, u: number, v: number): Voxel {
  switch (axis) {
    case 'xy':
      return { z: slice, y: v, x: u };
    case 'xz':
      return { z: v, y: slice, x: u };
    case 'yz':
      return { z: u, y: v, x: slice };
  }
}

/** (u, v) of a voxel in a view. */
export function planeCoords(axis: Axis, c: Voxel): { u: number; v: number } {
  switch (axis) {
    case 'xy':
      return { u: c.x, v: c.y };
    case 'xz':
      return { u: c.x, v: c.z };
    case 'yz':
      return { u: c.z, v: c.y };
  }
}

export function flatIndex(d: Dims, c: Voxel): number {
  return (c.z * d.height + c.y) * d.width + c.x;
}

export function inBounds(d: Dims, c: Voxel): boolean {
  return c.z >= 0 && c.z < d.depth && c.y >= 0 && c.y < d.height && c.x >= 0 && c.x < d.width;
}

export function clampVoxel(d: Dims, c: Voxel): Voxel {
  const cl = (v: number, n: number): number => Math.min(n - 1, Math.max(0, Math.round(v)));
  return { z: cl(c.z, d.depth), y: cl(c.y, d.height), x: cl(c.x, d.width) };
}

/**
 * CPU reslice of one plane (row-major, v rows of u values). The viewer reslices on the GPU;
 * this is the reference the tests compare the canvas against, and feeds per-plane statistics.
 */
export function extractPlane<T extends Float32Array | Uint32Array | Uint16Array>(
  data: T,
  d: Dims,
  axis: Axis,
  slice: number,
): T {
  const { u: nu, v: nv, slices } = planeShape(d, axis);
  if (!(slice >= 0 && slice < slices)) throw new Error(`plane ${slice} is outside 0–${slices - 1} for ${axis}`);
  const out = new (data.constructor as new (n: number) => T)(nu * nv);
  const hw = d.height * d.width;
  for (let v = 0; v < nv; v++) {
    for (let u = 0; u < nu; u++) {
      let i: number;
      if (axis === 'xy') i = slice * hw + v * d.width + u;
      else if (axis === 'xz') i = v * hw + slice * d.width + u;
      else i = u * hw + v * d.width + slice;
      out[v * nu + u] = data[i];
    }
  }
  return out;
}
