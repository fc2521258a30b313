/**
 * The viewer driven by a layer store: (optionally) layer list + controls, mode toolbar, the
 * viewports over one shared WebGL canvas, plane sliders and the pixel readout. Create the store
 * with createViewerStore and add layers from loaded stacks or job results; Workspace.tsx binds it
 * to the app shell, harness.tsx to synthetic data.
 *
 * Layouts — orthogonal: XY | YZ over XZ | 3-D MIP (YZ shares y with XY, XZ shares x);
 * grid: one cell per chosen layer (2–4), same plane, shared cursor/zoom/pan;
 * swipe: one viewport, left layer left of the curtain, right layer right of it.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Axis } from '../../shared/viewer/reslice.ts';
import { fitZoom } from '../../shared/viewer/viewTransform.ts';
import type { ViewerState, ViewerStore } from '../state/layers.ts';
import { ComparisonBar } from './ComparisonBar.tsx';
import { type RendererOptions, ViewerRenderer } from './gpu/ViewerRenderer.ts';
import { LayerControls } from './LayerControls.tsx';
import { LayerList } from './LayerList.tsx';
import { Navigation } from './Navigation.tsx';
import { Readout } from './Readout.tsx';
import { injectViewerStyles } from './styles.ts';
import { RendererContext, useViewerState } from './useViewer.ts';
import { Viewport } from './Viewport.tsx';

export interface ViewerWorkspaceProps {
  viewer: ViewerStore;
  /** Show the layer list and controls on the left (off when the shell shows LayerPanel instead). */
  sidebar?: boolean;
  rendererOptions?: RendererOptions;
  /** Called with the renderer once the WebGL context exists (tests and benchmarks time it). */
  onRenderer?: (r: ViewerRenderer | null) => void;
  /** More sliders beside the plane sliders (the shell's hyperstack time slider). */
  navigationExtra?: React.ReactNode;
}

/** Cursor axes moved by horizontal arrows, vertical arrows and PageUp/PageDown in each view. */
const KEY_AXES: Record<Axis, ['z' | 'y' | 'x', 'z' | 'y' | 'x', 'z' | 'y' | 'x']> = {
  xy: ['x', 'y', 'z'],
  xz: ['x', 'z', 'y'],
  yz: ['z', 'y', 'x'],
};

// minmax(0, 1fr): cells share the space equally whatever their content
const FR = 'minmax(0, 1fr)';
function gridTemplate(n: number): { columns: string; rows: string } {
  if (n <= 1) return { columns: FR, rows: FR };
  if (n === 2) return { columns: `${FR} ${FR}`, rows: FR };
  if (n === 3) return { columns: `${FR} ${FR} ${FR}`, rows: FR };
  return { columns: `${FR} ${FR}`, rows: `${FR} ${FR}` };
}

export function ViewerWorkspace({ viewer, sidebar = true, rendererOptions, onRenderer, navigationExtra }: ViewerWorkspaceProps) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const viewsRef = useRef<HTMLDivElement>(null);
  const [renderer, setRenderer] = useState<ViewerRenderer | null>(null);
  const [glError, setGlError] = useState<string | null>(null);
  const mode = useViewerState(viewer, (s) => s.mode);
  const layers = useViewerState(viewer, (s) => s.layers);
  const grid = useViewerState(viewer, (s) => s.grid);
  const swipe = useViewerState(viewer, (s) => s.swipe);
  const world = useViewerState(viewer, (s) => s.world);
  const maxSide = rendererOptions?.maxTextureSide;

  useEffect(() => {
    injectViewerStyles();
    const canvas = canvasRef.current;
    if (!canvas) return;
    let r: ViewerRenderer;
    try {
      r = new ViewerRenderer(canvas, viewer, maxSide === undefined ? {} : { maxTextureSide: maxSide });
    } catch (e) {
      setGlError(`WebGL2 is not available: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    setRenderer(r);
    onRenderer?.(r);
    return () => {
      onRenderer?.(null);
      r.dispose();
    };
    // onRenderer is a notification; re-creating the context when it changes would re-upload data
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [viewer, maxSide]);

  // Fit the whole stack into a view: when the first layer arrives, on the fit button, and on
  // resizes/layout changes for as long as the user has not zoomed or panned since the last fit.
  const fitted = useRef<ViewerState['camera'] | null>(null);
  const fit = useCallback((): void => {
    const el = viewsRef.current;
    const w = viewer.get().world;
    if (!w || !el) return;
    const cell = el.querySelector('.n2s-viewport');
    const { width, height } = (cell ?? el).getBoundingClientRect();
    if (!(width > 0 && height > 0)) return;
    const camera = {
      zoom: fitZoom(w.dims, w.spacing, width, height),
      centre: { z: (w.dims.depth * w.spacing.z) / 2, y: (w.dims.height * w.spacing.y) / 2, x: (w.dims.width * w.spacing.x) / 2 },
    };
    viewer.setCamera(camera);
    fitted.current = viewer.get().camera;
  }, [viewer]);
  useEffect(() => fit(), [fit, world]);
  useEffect(() => {
    if (viewer.get().camera === fitted.current) fit();
  }, [viewer, fit, mode, grid.layerIds.length]);
  useEffect(() => {
    const el = viewsRef.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(() => {
      if (viewer.get().camera === fitted.current) fit();
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, [viewer, fit]);

  // Arrows move within the plane, PageUp/PageDown through planes, of the plane shown: XY in the
  // orthogonal layout, the chosen orientation in grid and swipe modes (Shift: steps of 10).
  const onKeyDown = (e: React.KeyboardEvent): void => {
    const axis: Axis = mode === 'grid' ? grid.axis : mode === 'swipe' ? swipe.axis : 'xy';
    const [h, v, n] = KEY_AXES[axis];
    const steps: Record<string, ['z' | 'y' | 'x', number]> = {
      ArrowLeft: [h, -1],
      ArrowRight: [h, 1],
      ArrowUp: [v, -1],
      ArrowDown: [v, 1],
      PageUp: [n, 1],
      PageDown: [n, -1],
    };
    const s = steps[e.key];
    if (!s) return;
    e.preventDefault();
    viewer.stepCursor(s[0], s[1] * (e.shiftKey ? 10 : 1));
  };

  let cells: React.ReactNode;
  let template = gridTemplate(4);
  if (mode === 'grid') {
    const ids = grid.layerIds.filter((id) => layers.some((l) => l.id === id));
    template = gridTemplate(ids.length);
    cells = ids.map((id, i) => (
      <Viewport
        key={id}
        id={`grid-${i}`}
        viewer={viewer}
        spec={{ kind: grid.axis, layerIds: [id] }}
        label={`${layers.find((l) => l.id === id)?.name ?? ''} · ${grid.axis.toUpperCase()}`}
      />
    ));
  } else if (mode === 'swipe') {
    template = gridTemplate(1);
    const ok = swipe.leftId && swipe.rightId;
    cells = (
      <Viewport
        id="swipe"
        viewer={viewer}
        spec={{
          kind: swipe.axis,
          layerIds: null,
          curtain: ok ? { leftId: swipe.leftId ?? '', rightId: swipe.rightId ?? '', position: swipe.position } : null,
        }}
        label={`${layers.find((l) => l.id === swipe.leftId)?.name ?? '—'} | ${layers.find((l) => l.id === swipe.rightId)?.name ?? '—'}`}
        onCurtain={(p) => viewer.setSwipe({ position: p })}
      />
    );
  } else {
    cells = (
      <>
        <Viewport id="ortho-xy" viewer={viewer} spec={{ kind: 'xy', layerIds: null }} label="XY" />
        <Viewport id="ortho-yz" viewer={viewer} spec={{ kind: 'yz', layerIds: null }} label="YZ" />
        <Viewport id="ortho-xz" viewer={viewer} spec={{ kind: 'xz', layerIds: null }} label="XZ" />
        <Viewport id="ortho-3d" viewer={viewer} spec={{ kind: '3d', layerIds: null }} label="3-D MIP" />
      </>
    );
  }

  return (
    <div className={`n2s-workspace${sidebar ? '' : ' n2s-no-sidebar'}`} data-testid="viewer-workspace">
      {sidebar ? (
        <aside className="n2s-sidebar">
          <LayerList viewer={viewer} />
          <LayerControls viewer={viewer} />
        </aside>
      ) : null}
      <section className="n2s-main">
        <ComparisonBar viewer={viewer} />
        <div className="n2s-views" ref={viewsRef} tabIndex={0} onKeyDown={onKeyDown}>
          <canvas ref={canvasRef} />
          <RendererContext.Provider value={renderer}>
            <div className="n2s-cells" style={{ gridTemplateColumns: template.columns, gridTemplateRows: template.rows }}>
              {cells}
            </div>
          </RendererContext.Provider>
          {glError ? <div className="n2s-error">{glError}</div> : null}
        </div>
        <div className="n2s-navigation-row">
          {navigationExtra}
          <Navigation viewer={viewer} />
          <button title="fit the stack into the views" data-control="fit" onClick={fit}>
            fit
          </button>
        </div>
        <Readout viewer={viewer} />
      </section>
    </div>
  );
}
