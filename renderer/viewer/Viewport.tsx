/**
 * A viewport: a DOM rectangle the shared renderer draws into, plus its mouse handling.
 * 2-D views — left click/drag moves the 3-D cursor, shift/middle/right drag pans, wheel zooms
 * about the mouse. 3-D view — drag rotates, wheel dollies.
 */
import { useEffect, useRef, useState } from 'react';
import { type Axis, planeCoords, planeShape, planeSpacing, voxelAt, sliceOf } from '../../shared/viewer/reslice.ts';
import { planeToScreen, screenToUV, uvToScreen, viewCentre, withPlaneCentre, zoomAbout } from '../../shared/viewer/viewTransform.ts';
import type { ViewerStore } from '../state/layers.ts';
import type { ViewportSpec } from './gpu/ViewerRenderer.ts';
import { useRenderer, useViewerState } from './useViewer.ts';

/** Size of an element in CSS pixels, following resizes. */
function useElementSize(ref: React.RefObject<HTMLElement | null>): { w: number; h: number } {
  const [size, setSize] = useState({ w: 0, h: 0 });
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const update = (): void => {
      const r = el.getBoundingClientRect();
      // rounded like the renderer's GL viewport, so overlay and image use the same mapping
      const w = Math.round(r.width);
      const h = Math.round(r.height);
      setSize((s) => (s.w === w && s.h === h ? s : { w, h }));
    };
    update();
    const ro = new ResizeObserver(update);
    ro.observe(el);
    return () => ro.disconnect();
  }, [ref]);
  return size;
}

/**
 * Crosshair (through the centre of the cursor voxel, across the stack) and swipe curtain, as SVG
 * over the canvas: moving the cursor then only redraws the GL views whose plane changed.
 */
function Overlay({ viewer, axis, w, h, curtain }: { viewer: ViewerStore; axis: Axis; w: number; h: number; curtain: number | null }) {
  const cursor = useViewerState(viewer, (s) => s.cursor);
  const camera = useViewerState(viewer, (s) => s.camera);
  const world = useViewerState(viewer, (s) => s.world);
  if (!world || w === 0) return null;
  const sp = planeSpacing(world.spacing, axis);
  const shape = planeShape(world.dims, axis);
  const { u, v } = planeCoords(axis, cursor);
  const c = uvToScreen(camera, axis, world.spacing, u, v, w, h);
  const tl = planeToScreen(camera, axis, 0, 0, w, h);
  const br = planeToScreen(camera, axis, shape.u * sp.u, shape.v * sp.v, w, h);
  return (
    <svg className="n2s-overlay" width={w} height={h}>
      <line data-crosshair="v" x1={c.px} x2={c.px} y1={tl.py} y2={br.py} />
      <line data-crosshair="h" x1={tl.px} x2={br.px} y1={c.py} y2={c.py} />
      {curtain === null ? null : <line data-curtain="" className="n2s-curtain" x1={curtain * w} x2={curtain * w} y1={0} y2={h} />}
    </svg>
  );
}

export interface ViewportProps {
  id: string;
  viewer: ViewerStore;
  spec: ViewportSpec;
  label?: string;
  /** Swipe mode: dragging near the curtain moves it instead of the cursor. */
  onCurtain?: (position: number) => void;
}

type Drag = { mode: 'cursor' | 'pan' | 'rotate' | 'curtain'; x: number; y: number } | null;

export function Viewport({ id, viewer, spec, label, onCurtain }: ViewportProps) {
  const renderer = useRenderer();
  const ref = useRef<HTMLDivElement>(null);
  const drag = useRef<Drag>(null);
  const size = useElementSize(ref);
  const specKey = JSON.stringify(spec);

  useEffect(() => {
    const el = ref.current;
    if (!renderer || !el) return;
    renderer.registerViewport(id, el, JSON.parse(specKey) as ViewportSpec);
    return () => renderer.unregisterViewport(id);
  }, [renderer, id, specKey]);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const onWheel = (e: WheelEvent): void => {
      e.preventDefault();
      const factor = Math.exp(-e.deltaY * 0.0015);
      if (spec.kind === '3d') {
        const o = viewer.get().orbit;
        viewer.setOrbit({ ...o, distance: Math.min(10, Math.max(0.3, o.distance / factor)) });
        return;
      }
      const r = el.getBoundingClientRect();
      viewer.setCamera(zoomAbout(viewer.get().camera, spec.kind, factor, e.clientX - r.left, e.clientY - r.top, r.width, r.height));
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, [viewer, spec.kind]);

  const moveCursor = (axis: Axis, clientX: number, clientY: number): void => {
    const el = ref.current;
    const s = viewer.get();
    if (!el || !s.world) return;
    const r = el.getBoundingClientRect();
    const { u, v } = screenToUV(s.camera, axis, s.world.spacing, clientX - r.left, clientY - r.top, r.width, r.height);
    viewer.setCursor(voxelAt(axis, sliceOf(s.cursor, axis), u, v));
  };

  const onPointerDown = (e: React.PointerEvent<HTMLDivElement>): void => {
    const el = ref.current;
    if (!el) return;
    el.setPointerCapture(e.pointerId);
    el.focus();
    if (spec.kind === '3d') {
      drag.current = { mode: 'rotate', x: e.clientX, y: e.clientY };
      return;
    }
    const r = el.getBoundingClientRect();
    if (spec.curtain && onCurtain && Math.abs(e.clientX - r.left - spec.curtain.position * r.width) < 6) {
      drag.current = { mode: 'curtain', x: e.clientX, y: e.clientY };
      return;
    }
    const pan = e.button !== 0 || e.shiftKey;
    drag.current = { mode: pan ? 'pan' : 'cursor', x: e.clientX, y: e.clientY };
    if (pan) return;
    moveCursor(spec.kind, e.clientX, e.clientY);
    // with a labels layer selected, a click also picks (highlights) the label under it
    const s = viewer.get();
    const selected = s.layers.find((l) => l.id === s.selectedLayerId);
    if (selected?.kind === 'labels' && selected.visible) viewer.pickLabel(selected.id, s.cursor);
  };

  /** The voxel under the mouse, for the status bar (2-D views; the 3-D view has no single voxel). */
  const trackHover = (clientX: number, clientY: number): void => {
    const el = ref.current;
    const s = viewer.get();
    if (!el || !s.world || spec.kind === '3d') return;
    const r = el.getBoundingClientRect();
    const { u, v } = screenToUV(s.camera, spec.kind, s.world.spacing, clientX - r.left, clientY - r.top, r.width, r.height);
    viewer.setHover(voxelAt(spec.kind, sliceOf(s.cursor, spec.kind), u, v));
  };

  const onPointerMove = (e: React.PointerEvent<HTMLDivElement>): void => {
    const d = drag.current;
    const el = ref.current;
    trackHover(e.clientX, e.clientY);
    if (!d || !el) return;
    const dx = e.clientX - d.x;
    const dy = e.clientY - d.y;
    drag.current = { ...d, x: e.clientX, y: e.clientY };
    if (d.mode === 'rotate') {
      const o = viewer.get().orbit;
      viewer.setOrbit({ ...o, yaw: o.yaw - dx * 0.01, pitch: o.pitch + dy * 0.01 });
    } else if (spec.kind === '3d') {
      return;
    } else if (d.mode === 'cursor') {
      moveCursor(spec.kind, e.clientX, e.clientY);
    } else if (d.mode === 'pan') {
      const cam = viewer.get().camera;
      const c = viewCentre(cam, spec.kind);
      viewer.setCamera({ ...cam, centre: withPlaneCentre(cam.centre, spec.kind, c.a - dx / cam.zoom, c.b - dy / cam.zoom) });
    } else if (d.mode === 'curtain' && onCurtain) {
      const r = el.getBoundingClientRect();
      onCurtain((e.clientX - r.left) / r.width);
    }
  };

  const onPointerUp = (): void => {
    drag.current = null;
  };

  return (
    <div
      ref={ref}
      className="n2s-viewport"
      data-viewport={id}
      tabIndex={-1}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onPointerLeave={() => viewer.setHover(null)}
      onContextMenu={(e) => e.preventDefault()}
    >
      {spec.kind === '3d' ? null : (
        <Overlay viewer={viewer} axis={spec.kind} w={size.w} h={size.h} curtain={spec.curtain ? spec.curtain.position : null} />
      )}
      {label ? <span className="n2s-viewport-label">{label}</span> : null}
    </div>
  );
}
