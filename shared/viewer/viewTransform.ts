/**
 * Screen ↔ voxel mapping of a 2-D view. All views share one zoom (screen pixels per physical
 * unit) and one physical centre point (cz, cy, cx); a view uses the two components on its axes,
 * so panning XY also pans the x of XZ and the y of YZ. Physical position of voxel index i along
 * an axis with spacing s is i·s (the voxel covers [i·s, (i+1)·s)), which stretches XZ/YZ by the
 * z spacing for anisotropic stacks.
 */
import { type Axis, type Spacing, type Voxel, planeSpacing } from './reslice.ts';

export interface Camera2D {
  /** Screen pixels per physical unit. */
  zoom: number;
  /** Physical point at the centre of every view. */
  centre: Voxel;
}

export function viewCentre(cam: Camera2D, axis: Axis): { a: number; b: number } {
  const c = cam.centre;
  switch (axis) {
    case 'xy':
      return { a: c.x, b: c.y };
    case 'xz':
      return { a: c.x, b: c.z };
    case 'yz':
      return { a: c.z, b: c.y };
  }
}

/** Physical (horizontal a, vertical b) of a point given in viewport pixels (origin top-left). */
export function screenToPlane(
  cam: Camera2D,
  axis: Axis,
  px: number,
  py: number,
  viewW: number,
  viewH: number,
): { a: number; b: number } {
  const { a, b } = viewCentre(cam, axis);
  return { a: a + (px - viewW / 2) / cam.zoom, b: b + (py - viewH / 2) / cam.zoom };
}

export function planeToScreen(
  cam: Camera2D,
  axis: Axis,
  a: number,
  b: number,
  viewW: number,
  viewH: number,
): { px: number; py: number } {
  const c = viewCentre(cam, axis);
  return { px: (a - c.a) * cam.zoom + viewW / 2, py: (b - c.b) * cam.zoom + viewH / 2 };
}

/** Voxel (u, v) indices under a screen point (may be outside the stack). */
export function screenToUV(
  cam: Camera2D,
  axis: Axis,
  s: Spacing,
  px: number,
  py: number,
  viewW: number,
  viewH: number,
): { u: number; v: number } {
  const { a, b } = screenToPlane(cam, axis, px, py, viewW, viewH);
  const sp = planeSpacing(s, axis);
  return { u: Math.floor(a / sp.u), v: Math.floor(b / sp.v) };
}

/** Screen position of the centre of voxel (u, v) of a view. */
export function uvToScreen(
  cam: Camera2D,
  axis: Axis,
  s: Spacing,
  u: number,
  v: number,
  viewW: number,
  viewH: number,
): { px: number; py: number } {
  const sp = planeSpacing(s, axis);
  return planeToScreen(cam, axis, (u + 0.5) * sp.u, (v + 0.5) * sp.v, viewW, viewH);
}

/** Zoom by `factor` keeping the physical point under (px, py) fixed on screen. */
export function zoomAbout(
  cam: Camera2D,
  axis: Axis,
  factor: number,
  px: number,
  py: number,
  viewW: number,
  viewH: number,
): Camera2D {
  const p = screenToPlane(cam, axis, px, py, viewW, viewH);
  const zoom = cam.zoom * factor;
  // new centre so that p maps to the same pixel: a_c = a_p − (px − W/2)/zoom
  const a = p.a - (px - viewW / 2) / zoom;
  const b = p.b - (py - viewH / 2) / zoom;
  return { zoom, centre: withPlaneCentre(cam.centre, axis, a, b) };
}

export function withPlaneCentre(c: Voxel, axis: Axis, a: number, b: number): Voxel {
  switch (axis) {
    case 'xy':
      return { ...c, x: a, y: b };
    case 'xz':
      return { ...c, x: a, z: b };
    case 'yz':
      return { ...c, z: a, y: b };
  }
}

/** Zoom that fits the largest physical extent of the three views into a viewport. */
export function fitZoom(
  dims: { depth: number; height: number; width: number },
  s: Spacing,
  viewW: number,
  viewH: number,
): number {
  const ex = dims.width * s.x;
  const ey = dims.height * s.y;
  const ez = dims.depth * s.z;
  const horizontal = Math.max(ex, ez);
  const vertical = Math.max(ey, ez);
  return 0.95 * Math.min(viewW / horizontal, viewH / vertical);
}
