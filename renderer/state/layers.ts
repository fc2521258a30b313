/**
 * The viewer's layer model (napari's, reduced): a list of image and labels layers plus the shared
 * cursor, 2-D camera, 3-D orbit and comparison mode. Plain data and pure updates; the three.js
 * views in renderer/viewer/ only observe it, and these functions run in Node tests.
 *
 * All layers live on one voxel grid, the grid of the first layer added (they are versions of the
 * same stack: raw, second copy, reference, denoised…). A layer with other dims is drawn from the
 * origin with its own size and reads "outside" where it has no voxel.
 */
import { type ColormapName } from '../../shared/viewer/colormaps.ts';
import { clampGamma, symmetricLimits } from '../../shared/viewer/contrast.ts';
import { difference, neighbourResidual } from '../../shared/viewer/derived.ts';
import { type Axis, type Dims, type Spacing, type Voxel, clampVoxel, flatIndex, inBounds } from '../../shared/viewer/reslice.ts';
import { type Histogram, finiteRange, histogram, percentiles } from '../../shared/viewer/stats.ts';
import type { Camera2D } from '../../shared/viewer/viewTransform.ts';
import { type KeyValueStorage, type LayerDisplay, loadSessionView, saveSessionView } from './persist.ts';
import { type Store, createStore } from './store.ts';

export type Blending = 'additive' | 'translucent';

interface LayerBase {
  id: string;
  name: string;
  dims: Dims;
  /** Physical voxel size (z, y, x) and its unit. */
  spacing: Spacing;
  unit: string;
  visible: boolean;
  opacity: number;
  blending: Blending;
}

export interface ImageLayer extends LayerBase {
  kind: 'image';
  /** ZYX float32 values as loaded (16-bit and float data keep full precision). */
  data: Float32Array;
  /** dtype of the source, shown in the layer list. */
  dtype: string;
  contrastLimits: [number, number];
  autoContrastPercentiles: [number, number];
  gamma: number;
  colormap: ColormapName;
  /** Finite min/max of the data: the range of the contrast sliders. */
  dataRange: [number, number];
  histogram: Histogram;
}

export interface LabelsLayer extends LayerBase {
  kind: 'labels';
  data: Uint32Array;
  contour: boolean;
  selectedLabel: number | null;
}

export type Layer = ImageLayer | LabelsLayer;

export type ViewMode = 'ortho' | 'grid' | 'swipe';

export interface ViewerState {
  sessionId: string;
  layers: Layer[];
  selectedLayerId: string | null;
  cursor: Voxel;
  /** Voxel under the mouse in a 2-D view (null when the mouse is elsewhere): the status bar's subject. */
  hover: Voxel | null;
  camera: Camera2D;
  /** Orbit of the 3-D MIP view: angles in radians, distance in bounding-sphere fits (1 = fills the view). */
  orbit: { yaw: number; pitch: number; distance: number };
  mode: ViewMode;
  /** Layers shown one per cell in grid mode (2–4) and the plane orientation of the cells. */
  grid: { layerIds: string[]; axis: Axis };
  /** Curtain mode: `leftId` drawn left of the curtain, `rightId` right of it; position in [0, 1]. */
  swipe: { leftId: string | null; rightId: string | null; position: number; axis: Axis };
  /** When on, contrast changes of one image layer apply to every image layer. */
  syncContrast: boolean;
  /** Grid of the workspace (dims and spacing of the first layer). */
  world: { dims: Dims; spacing: Spacing; unit: string } | null;
}

/**
 * Display options (colormap, limits, gamma, opacity, blending, visible, contour) are initial
 * values: a layer of the same name seen earlier in the session comes back with its saved display.
 */
export interface AddImageOptions {
  name: string;
  data: Float32Array;
  dims: Dims;
  spacing?: Spacing;
  unit?: string;
  dtype?: string;
  colormap?: ColormapName;
  contrastLimits?: [number, number];
  autoContrastPercentiles?: [number, number];
  gamma?: number;
  opacity?: number;
  blending?: Blending;
  visible?: boolean;
}

export interface AddLabelsOptions {
  name: string;
  data: Uint32Array | Uint16Array | Uint8Array;
  dims: Dims;
  spacing?: Spacing;
  unit?: string;
  opacity?: number;
  contour?: boolean;
  visible?: boolean;
}

export interface LayerValue {
  id: string;
  name: string;
  /** null outside the layer. */
  value: number | null;
}

export interface ViewerStoreOptions {
  sessionId?: string;
  /** Where display state is saved; defaults to globalThis.localStorage when present. */
  storage?: KeyValueStorage;
}

const HISTOGRAM_BINS = 128;
const DEFAULT_PERCENTILES: [number, number] = [0.5, 99.5];

function checkDims(d: Dims, n: number, name: string): void {
  for (const k of ['depth', 'height', 'width'] as const) {
    if (!(Number.isInteger(d[k]) && d[k] > 0)) throw new Error(`layer "${name}": ${k} must be a positive integer, got ${d[k]}`);
  }
  if (d.depth * d.height * d.width !== n) {
    throw new Error(`layer "${name}" has ${n} values, expected ${d.depth}×${d.height}×${d.width}`);
  }
}

function uniqueName(layers: Layer[], name: string): string {
  const taken = new Set(layers.map((l) => l.name));
  if (!taken.has(name)) return name;
  for (let i = 2; ; i++) if (!taken.has(`${name} [${i}]`)) return `${name} [${i}]`;
}

let idCounter = 0;
const newId = (): string => `layer-${++idCounter}-${Math.random().toString(36).slice(2, 8)}`;

export type ViewerStore = ReturnType<typeof createViewerStore>;

export function createViewerStore(options: ViewerStoreOptions = {}) {
  const sessionId = options.sessionId ?? 'default';
  const storage: KeyValueStorage | undefined =
    options.storage ?? (typeof globalThis.localStorage !== 'undefined' ? globalThis.localStorage : undefined);
  const saved = loadSessionView(storage, sessionId);

  const store: Store<ViewerState> = createStore<ViewerState>({
    sessionId,
    layers: [],
    selectedLayerId: null,
    cursor: { z: 0, y: 0, x: 0 },
    hover: null,
    camera: { zoom: 1, centre: { z: 0, y: 0, x: 0 } },
    orbit: { yaw: 0.6, pitch: 0.4, distance: 1.15 },
    mode: saved?.mode ?? 'ortho',
    grid: { layerIds: [], axis: 'xy' },
    swipe: { leftId: null, rightId: null, position: 0.5, axis: 'xy' },
    syncContrast: saved?.syncContrast ?? false,
    world: null,
  });

  // Display state of layers seen in this session (including removed ones: re-adding restores them).
  const remembered: Record<string, LayerDisplay> = { ...(saved?.layers ?? {}) };
  const savedOrder = saved?.order ?? [];

  const persist = (): void => {
    const s = store.get();
    for (const l of s.layers) remembered[l.name] = displayOf(l);
    saveSessionView(storage, sessionId, {
      version: 1,
      layers: remembered,
      order: s.layers.map((l) => l.name),
      mode: s.mode,
      syncContrast: s.syncContrast,
    });
  };

  const find = (id: string): Layer => {
    const l = store.get().layers.find((x) => x.id === id);
    if (!l) throw new Error(`no layer with id ${id}`);
    return l;
  };

  /** Insert respecting the saved order of names (restored sessions keep their stacking). */
  const insert = (layers: Layer[], layer: Layer): Layer[] => {
    const rank = savedOrder.indexOf(layer.name);
    if (rank < 0) return [...layers, layer];
    const at = layers.findIndex((l) => {
      const r = savedOrder.indexOf(l.name);
      return r < 0 || r > rank;
    });
    return at < 0 ? [...layers, layer] : [...layers.slice(0, at), layer, ...layers.slice(at)];
  };

  const addLayer = (layer: Layer): string => {
    store.set((s) => {
      const first = s.world === null;
      const world = s.world ?? { dims: layer.dims, spacing: layer.spacing, unit: layer.unit };
      const cursor = first
        ? { z: Math.floor(layer.dims.depth / 2), y: Math.floor(layer.dims.height / 2), x: Math.floor(layer.dims.width / 2) }
        : s.cursor;
      const camera = first
        ? {
            zoom: s.camera.zoom,
            centre: {
              z: (layer.dims.depth * layer.spacing.z) / 2,
              y: (layer.dims.height * layer.spacing.y) / 2,
              x: (layer.dims.width * layer.spacing.x) / 2,
            },
          }
        : s.camera;
      const layers = insert(s.layers, layer);
      const imageIds = layers.filter((l) => l.kind === 'image').map((l) => l.id);
      const grid = s.grid;
      const gridIds = grid.layerIds.length < 4 && layer.kind === 'image' ? [...grid.layerIds, layer.id] : grid.layerIds;
      const swipe = {
        ...s.swipe,
        leftId: s.swipe.leftId ?? imageIds[0] ?? null,
        rightId: s.swipe.rightId ?? (imageIds.length > 1 ? imageIds[1] : null),
      };
      return { layers, world, cursor, camera, selectedLayerId: layer.id, grid: { ...grid, layerIds: gridIds }, swipe };
    });
    persist();
    return layer.id;
  };

  const api = {
    store,
    get: store.get,
    subscribe: store.subscribe,

    /** Add an image layer (ZYX float32); returns its id. Contrast defaults to auto at 0.5–99.5 %. */
    addImageLayer(o: AddImageOptions): string {
      checkDims(o.dims, o.data.length, o.name);
      const s = store.get();
      const name = uniqueName(s.layers, o.name);
      const r = remembered[name]?.kind === 'image' ? remembered[name] : undefined;
      const pcts = r?.autoContrastPercentiles ?? o.autoContrastPercentiles ?? DEFAULT_PERCENTILES;
      const dataRange = finiteRange(o.data);
      let limits = r?.contrastLimits ?? o.contrastLimits;
      if (!limits) {
        const [lo, hi] = percentiles(o.data, pcts);
        limits = hi > lo ? [lo, hi] : [dataRange[0], dataRange[1]];
      }
      const layer: ImageLayer = {
        kind: 'image',
        id: newId(),
        name,
        data: o.data,
        dims: { ...o.dims },
        spacing: o.spacing ?? { z: 1, y: 1, x: 1 },
        unit: o.unit ?? 'pixel',
        dtype: o.dtype ?? 'float32',
        visible: r?.visible ?? o.visible ?? true,
        opacity: r?.opacity ?? o.opacity ?? 1,
        // napari's default: each new layer covers the ones below at opacity 1 (grid/swipe compare them)
        blending: r?.blending ?? o.blending ?? 'translucent',
        contrastLimits: limits,
        autoContrastPercentiles: pcts,
        gamma: r?.gamma ?? o.gamma ?? 1,
        colormap: r?.colormap ?? o.colormap ?? 'gray',
        dataRange,
        histogram: histogram(o.data, HISTOGRAM_BINS, dataRange, 1 << 22),
      };
      return addLayer(layer);
    },

    /** Add a labels layer (integer ids, 0 = background); returns its id. */
    addLabelsLayer(o: AddLabelsOptions): string {
      checkDims(o.dims, o.data.length, o.name);
      const s = store.get();
      const name = uniqueName(s.layers, o.name);
      const r = remembered[name]?.kind === 'labels' ? remembered[name] : undefined;
      const layer: LabelsLayer = {
        kind: 'labels',
        id: newId(),
        name,
        data: o.data instanceof Uint32Array ? o.data : Uint32Array.from(o.data),
        dims: { ...o.dims },
        spacing: o.spacing ?? { z: 1, y: 1, x: 1 },
        unit: o.unit ?? 'pixel',
        visible: r?.visible ?? o.visible ?? true,
        opacity: r?.opacity ?? o.opacity ?? 0.6,
        blending: 'translucent',
        contour: r?.contour ?? o.contour ?? false,
        selectedLabel: r?.selectedLabel ?? null,
      };
      return addLayer(layer);
    },

    /** Difference layer a − b with the diverging colormap and limits symmetric about 0. */
    addDifferenceLayer(aId: string, bId: string, name?: string): string {
      const a = find(aId);
      const b = find(bId);
      if (a.kind !== 'image' || b.kind !== 'image') throw new Error('a difference needs two image layers');
      if (a.data.length !== b.data.length) throw new Error(`"${a.name}" and "${b.name}" have different sizes`);
      const data = difference(a.data, b.data);
      const [lo, hi] = percentiles(data, [0.5, 99.5]);
      return api.addImageLayer({
        name: name ?? `${a.name} − ${b.name}`,
        data,
        dims: a.dims,
        spacing: a.spacing,
        unit: a.unit,
        colormap: 'diverging',
        contrastLimits: symmetricLimits(lo, hi),
        blending: 'translucent',
      });
    },

    /** Neighbour-plane residual of an image layer (Papkov et al. 2021, Fig. 1), diverging colormap. */
    addResidualLayer(id: string, name?: string): string {
      const a = find(id);
      if (a.kind !== 'image') throw new Error('the residual needs an image layer');
      const data = neighbourResidual(a.data, a.dims);
      const [lo, hi] = percentiles(data, [0.5, 99.5]);
      return api.addImageLayer({
        name: name ?? `${a.name} residual`,
        data,
        dims: a.dims,
        spacing: a.spacing,
        unit: a.unit,
        colormap: 'diverging',
        contrastLimits: symmetricLimits(lo, hi),
        blending: 'translucent',
      });
    },

    /** Change display properties of a layer. With syncContrast, contrast/gamma go to every image layer. */
    updateLayer(id: string, patch: Partial<Omit<ImageLayer, 'kind' | 'id' | 'data' | 'dims'>> | Partial<Omit<LabelsLayer, 'kind' | 'id' | 'data' | 'dims'>>): void {
      const target = find(id);
      if ('gamma' in patch && patch.gamma !== undefined) patch = { ...patch, gamma: clampGamma(patch.gamma) };
      if ('opacity' in patch && patch.opacity !== undefined && !(patch.opacity >= 0 && patch.opacity <= 1)) {
        throw new Error(`opacity must be within 0–1, got ${patch.opacity}`);
      }
      if ('name' in patch && patch.name !== undefined) {
        const n = patch.name.trim();
        if (!n) throw new Error('a layer name cannot be empty');
        if (store.get().layers.some((l) => l.id !== id && l.name === n)) throw new Error(`a layer named "${n}" exists already`);
        patch = { ...patch, name: n };
      }
      const shared: Partial<ImageLayer> = {};
      if (store.get().syncContrast && target.kind === 'image') {
        const p = patch as Partial<ImageLayer>;
        if (p.contrastLimits) shared.contrastLimits = p.contrastLimits;
        if (p.gamma !== undefined) shared.gamma = p.gamma;
      }
      // difference/residual layers (diverging map, limits around 0) live on another scale: they
      // synchronise among themselves, intensity layers among themselves
      const diverging = target.kind === 'image' && target.colormap === 'diverging';
      store.set((s) => ({
        layers: s.layers.map((l) => {
          if (l.id === id) return { ...l, ...patch } as Layer;
          if (l.kind === 'image' && Object.keys(shared).length > 0 && (l.colormap === 'diverging') === diverging) return { ...l, ...shared };
          return l;
        }),
      }));
      persist();
    },

    /** Set contrast limits to the layer's chosen percentiles (or new ones). */
    autoContrast(id: string, pcts?: [number, number]): void {
      const l = find(id);
      if (l.kind !== 'image') throw new Error('auto-contrast applies to image layers');
      const p = pcts ?? l.autoContrastPercentiles;
      if (!(p[0] < p[1])) throw new Error(`lower percentile must be below the upper, got ${p[0]}–${p[1]}`);
      const [lo, hi] = percentiles(l.data, p);
      const limits: [number, number] = l.colormap === 'diverging' ? symmetricLimits(lo, hi) : hi > lo ? [lo, hi] : [...l.dataRange];
      api.updateLayer(id, { contrastLimits: limits, autoContrastPercentiles: p });
    },

    rename(id: string, name: string): void {
      api.updateLayer(id, { name });
    },

    /** Removing a layer that is already gone is a no-op (a stack closed twice, a double click). */
    remove(id: string): void {
      if (!store.get().layers.some((l) => l.id === id)) return;
      store.set((s) => {
        const layers = s.layers.filter((l) => l.id !== id);
        return {
          layers,
          selectedLayerId: s.selectedLayerId === id ? (layers[layers.length - 1]?.id ?? null) : s.selectedLayerId,
          grid: { ...s.grid, layerIds: s.grid.layerIds.filter((x) => x !== id) },
          swipe: {
            ...s.swipe,
            leftId: s.swipe.leftId === id ? null : s.swipe.leftId,
            rightId: s.swipe.rightId === id ? null : s.swipe.rightId,
          },
          world: layers.length === 0 ? null : s.world,
          hover: layers.length === 0 ? null : s.hover,
        };
      });
      persist();
    },

    /** Move a layer to position `to` in the list (0 = bottom, drawn first). */
    reorder(id: string, to: number): void {
      const layers = [...store.get().layers];
      const from = layers.findIndex((l) => l.id === id);
      if (from < 0) throw new Error(`no layer with id ${id}`);
      const [l] = layers.splice(from, 1);
      layers.splice(Math.max(0, Math.min(layers.length, to)), 0, l);
      store.set({ layers });
      persist();
    },

    /** Selecting a layer that is gone (closed while an event was in flight) is a no-op, not an error. */
    select(id: string | null): void {
      if (id !== null && !store.get().layers.some((l) => l.id === id)) return;
      store.set({ selectedLayerId: id });
    },

    /** The voxel under the mouse, or null; outside the stack counts as null. */
    setHover(c: Voxel | null): void {
      const s = store.get();
      const next = c && s.world && inBounds(s.world.dims, c) ? c : null;
      const cur = s.hover;
      if (next === cur || (next && cur && next.z === cur.z && next.y === cur.y && next.x === cur.x)) return;
      store.set({ hover: next });
    },

    setCursor(c: Voxel): void {
      const w = store.get().world;
      if (!w) return;
      const next = clampVoxel(w.dims, c);
      const cur = store.get().cursor;
      if (next.z === cur.z && next.y === cur.y && next.x === cur.x) return;
      // The latest action wins the status bar: a cursor moved by keys or sliders is read out until
      // the mouse moves over a view again.
      store.set({ cursor: next, hover: null });
    },

    /** Step the cursor along an axis ('z' for PageUp/PageDown, 'x'/'y' for arrows). */
    stepCursor(axis: 'z' | 'y' | 'x', delta: number): void {
      const c = store.get().cursor;
      api.setCursor({ ...c, [axis]: c[axis] + delta });
    },

    setCamera(camera: Camera2D): void {
      if (!(camera.zoom > 0 && Number.isFinite(camera.zoom))) return;
      store.set({ camera });
    },

    setOrbit(orbit: ViewerState['orbit']): void {
      const pitch = Math.max(-1.55, Math.min(1.55, orbit.pitch));
      store.set({ orbit: { ...orbit, pitch } });
    },

    setMode(mode: ViewMode): void {
      store.set({ mode });
      persist();
    },

    setGrid(layerIds: string[], axis?: Axis): void {
      if (layerIds.length < 1 || layerIds.length > 4) throw new Error(`grid mode shows 1–4 layers, got ${layerIds.length}`);
      layerIds.forEach(find);
      store.set((s) => ({ grid: { layerIds, axis: axis ?? s.grid.axis } }));
    },

    setSwipe(patch: Partial<ViewerState['swipe']>): void {
      if (patch.leftId) find(patch.leftId);
      if (patch.rightId) find(patch.rightId);
      const position = patch.position === undefined ? undefined : Math.min(1, Math.max(0, patch.position));
      store.set((s) => ({ swipe: { ...s.swipe, ...patch, ...(position === undefined ? {} : { position }) } }));
    },

    setSyncContrast(on: boolean): void {
      store.set({ syncContrast: on });
      persist();
    },

    /** Select the label under a voxel in a labels layer (background 0 clears the selection). */
    pickLabel(id: string, c: Voxel): number | null {
      const l = find(id);
      if (l.kind !== 'labels') throw new Error('labels can be picked in a labels layer only');
      const v = inBounds(l.dims, c) ? l.data[flatIndex(l.dims, c)] : 0;
      const selectedLabel = v > 0 ? v : null;
      if (selectedLabel !== l.selectedLabel) api.updateLayer(id, { selectedLabel });
      return selectedLabel;
    },

    /** Value of every visible layer at the cursor (or another voxel), from the CPU arrays. */
    valuesAt(c?: Voxel): LayerValue[] {
      const s = store.get();
      const at = c ?? s.cursor;
      return s.layers
        .filter((l) => l.visible)
        .map((l) => ({ id: l.id, name: l.name, value: inBounds(l.dims, at) ? l.data[flatIndex(l.dims, at)] : null }));
    },

    /** Physical position of a voxel (index × voxel size, napari's convention) in the world's unit. */
    physicalPosition(c?: Voxel): { z: number; y: number; x: number; unit: string } | null {
      const s = store.get();
      if (!s.world) return null;
      const at = c ?? s.cursor;
      const sp = s.world.spacing;
      return { z: at.z * sp.z, y: at.y * sp.y, x: at.x * sp.x, unit: s.world.unit };
    },
  };
  return api;
}

export function displayOf(l: Layer): LayerDisplay {
  if (l.kind === 'image') {
    return {
      kind: 'image',
      visible: l.visible,
      opacity: l.opacity,
      blending: l.blending,
      contrastLimits: l.contrastLimits,
      autoContrastPercentiles: l.autoContrastPercentiles,
      gamma: l.gamma,
      colormap: l.colormap,
    };
  }
  return { kind: 'labels', visible: l.visible, opacity: l.opacity, blending: l.blending, contour: l.contour, selectedLabel: l.selectedLabel };
}
