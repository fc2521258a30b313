/**
 * Standalone viewer page for development and browser tests, without the app shell:
 * harness.html?scene=basic|big|mri[&maxTex=N][&session=ID]. Exposes window.n2sViewer so tests can
 * drive the store and read back canvas pixels.
 */
import { createRoot } from 'react-dom/client';
import { colormapLUT, lutColour, type RGB } from '../../shared/viewer/colormaps.ts';
import { normalise } from '../../shared/viewer/contrast.ts';
import { type Voxel, flatIndex, planeCoords } from '../../shared/viewer/reslice.ts';
import { uvToScreen } from '../../shared/viewer/viewTransform.ts';
import { createViewerStore, type ViewerStore } from '../state/layers.ts';
import type { ViewerRenderer } from './gpu/ViewerRenderer.ts';
import { type SceneName, loadScene } from './syntheticScenes.ts';
import { ViewerWorkspace } from './ViewerWorkspace.tsx';

export interface HarnessApi {
  viewer: ViewerStore;
  renderer: () => ViewerRenderer | null;
  /** Resolves when the renderer exists and the scene is loaded. */
  ready: Promise<void>;
  loadMs: number;
  layerId(name: string): string;
  /** Position (viewport pixels) of the centre of a voxel in a viewport showing `axis`. */
  voxelOnScreen(viewportId: string, c: Voxel): { px: number; py: number };
  /** The colour the shader should produce for a single opaque image layer at a voxel. */
  expectedColour(layerName: string, c: Voxel): RGB;
}

declare global {
  interface Window {
    n2sViewer: HarnessApi;
  }
}

const params = new URLSearchParams(location.search);
const scene = (params.get('scene') ?? 'basic') as SceneName;
const maxTex = params.get('maxTex');
const viewer = createViewerStore({ sessionId: params.get('session') ?? `harness-${scene}` });
let renderer: ViewerRenderer | null = null;
let resolveReady: () => void = () => undefined;

const api: HarnessApi = {
  viewer,
  renderer: () => renderer,
  ready: new Promise<void>((r) => (resolveReady = r)),
  loadMs: 0,
  layerId(name) {
    const l = viewer.get().layers.find((x) => x.name === name);
    if (!l) throw new Error(`no layer ${name}`);
    return l.id;
  },
  voxelOnScreen(viewportId, c) {
    const r = renderer?.viewportRect(viewportId);
    const s = viewer.get();
    if (!r || !s.world) throw new Error(`viewport ${viewportId} is not ready`);
    const kind = viewportId.endsWith('xz') ? 'xz' : viewportId.endsWith('yz') ? 'yz' : viewportId.startsWith('grid') ? s.grid.axis : viewportId === 'swipe' ? s.swipe.axis : 'xy';
    const { u, v } = planeCoords(kind, c);
    return uvToScreen(s.camera, kind, s.world.spacing, u, v, r.w, r.h);
  },
  expectedColour(layerName, c) {
    const l = viewer.get().layers.find((x) => x.name === layerName);
    if (!l || l.kind !== 'image') throw new Error(`no image layer ${layerName}`);
    const t = normalise(l.data[flatIndex(l.dims, c)], { lo: l.contrastLimits[0], hi: l.contrastLimits[1], gamma: l.gamma });
    return lutColour(colormapLUT(l.colormap), t);
  },
};
window.n2sViewer = api;

const root = document.getElementById('root');
if (!root) throw new Error('harness.html has no #root');
createRoot(root).render(
  <ViewerWorkspace
    viewer={viewer}
    rendererOptions={maxTex ? { maxTextureSide: Number(maxTex) } : undefined}
    onRenderer={(r) => {
      renderer = r;
      if (!r) return;
      // load after the canvas exists so the first frame includes the data
      setTimeout(() => {
        const t0 = performance.now();
        loadScene(viewer, scene);
        r.renderNow();
        r.gl.finish();
        api.loadMs = performance.now() - t0;
        resolveReady();
      }, 0);
    }}
  />,
);
