/**
 * A viewport: a DOM rectangle the shared renderer draws into, plus its mouse handling.
 * 2-D views — left click/drag moves the 3-D cursor, shift/middle/right drag pans, wheel zooms
 * about the mouse. 3-D view — drag rotates, wheel dollies.
 */
import { useEffect, useRef } from 'react';
import { type Axis, voxelAt, sliceOf } from '../../shared/viewer/reslice.ts';
import { screenToUV, zoomAbout, withPlaneCentre, viewCentre } from '../../shared/viewer/viewTransform.ts';
import type { ViewerStore } from '../state/layers.ts';
import type { ViewportSpec } from './gpu/ViewerRenderer.ts';
import { useRenderer } from './useViewer.ts';

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
    if (!pan) moveCursor(spec.kind, e.clientX, e.clientY);
  };

  const onPointerMove = (e: React.PointerEvent<HTMLDivElement>): void => {
    const d = drag.current;
    const el = ref.current;
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
      onContextMenu={(e) => e.preventDefault()}
    >
      {label ? <span className="n2s-viewport-label">{label}</span> : null}
    </div>
  );
}
