/**
 * Binds the viewer's layer store to the app shell: every stack main holds (opened inputs and job
 * results, mirrored in the shell's Workspace) becomes an image layer; closing a stack removes it;
 * the shell's active stack and the selected layer follow each other. Voxels are fetched once as XY
 * planes over IPC in chunks of ≤ 16 M values, so no single message carries a whole large stack.
 */
import type { N2sApi } from '../../shared/ipc/api.ts';
import type { StackInfo } from '../../shared/ipc/stacks.ts';
import { isPreviewStack, type Workspace as ShellWorkspace } from '../shell/workspace.ts';
import { formatVoxelSize } from '../state/format.ts';
import { channelDisplay } from '../state/hyperstack.ts';
import { createViewerStore, type ViewerStore } from '../state/layers.ts';

const CHUNK_VALUES = 16 * 1024 * 1024;

export interface ShellBinding {
  viewer: ViewerStore;
  /** Layer id of each loaded stack. */
  layerOf: Map<string, string>;
  dispose(): void;
}

const bindings = new WeakMap<ShellWorkspace, ShellBinding>();

export async function fetchStackData(api: N2sApi, info: StackInfo, chunkValues = CHUNK_VALUES): Promise<Float32Array> {
  const plane = info.height * info.width;
  const data = new Float32Array(info.depth * plane);
  const per = Math.max(1, Math.floor(chunkValues / plane));
  for (let start = 0; start < info.depth; start += per) {
    const count = Math.min(per, info.depth - start);
    const p = await api.invoke('stack:planes', { stackId: info.stackId, axis: 'z', start, count });
    if (p.data.length !== count * plane) throw new Error(`expected ${count * plane} values, got ${p.data.length}`);
    data.set(p.data, start * plane);
  }
  return data;
}

/** Results are named by the job ("… (denoised)"); inputs other than the primary say their role (once). */
export function layerName(info: StackInfo): string {
  if (info.role === 'primary' || info.role === 'result') return info.name;
  const tag = `(${info.role})`;
  return info.name.includes(tag) ? info.name : `${info.name} ${tag}`;
}

type Grid = { dims: { depth: number; height: number; width: number }; spacing: { z: number; y: number; x: number }; unit: string };

const near = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-4 * Math.max(Math.abs(a), Math.abs(b), 1e-12);

/** Why a stack cannot be drawn with the open ones (null: it can), in the user's words. */
export function gridMismatch(world: Grid, info: StackInfo): string | null {
  const v = info.meta.voxelSize;
  const d = world.dims;
  const shapeOf = (x: { depth: number; height: number; width: number }) => `${x.depth}×${x.height}×${x.width}`;
  const sameShape = d.depth === info.depth && d.height === info.height && d.width === info.width;
  const sameUnit = world.unit === v.unit;
  const sameSpacing = near(world.spacing.z, v.z) && near(world.spacing.y, v.y) && near(world.spacing.x, v.x);
  if (sameShape && sameUnit && sameSpacing) return null;
  return (
    `${info.name} (${shapeOf(info)} planes×rows×columns, voxel ${formatVoxelSize(v)}) is on a different grid from the open stacks ` +
    `(${shapeOf(d)}, voxel ${formatVoxelSize({ ...world.spacing, unit: world.unit })}), so it was not opened beside them. ` +
    'Close the open layers first to view it.'
  );
}

export function bindViewerToShell(ws: ShellWorkspace): ShellBinding {
  const existing = bindings.get(ws);
  if (existing) return existing;
  const viewer = createViewerStore({ sessionId: 'app' });
  const layerOf = new Map<string, string>();
  const loading = new Set<string>();

  /** Stacks refused for their grid: closed in main, said once. */
  const refused = new Set<string>();
  /** Asked main to close; until its stack:removed arrives the stack is still listed, not to be reloaded. */
  const closing = new Set<string>();
  const closeStack = (stackId: string): void => {
    closing.add(stackId);
    void ws.api.invoke('stack:close', { stackId }).catch(() => undefined);
  };

  const sync = (): void => {
    const { stacks, activeStackId } = ws.snapshot;
    const live = new Set(stacks.map((s) => s.stackId));
    for (const id of closing) if (!live.has(id)) closing.delete(id);
    for (const [stackId, layerId] of layerOf) {
      if (live.has(stackId)) continue;
      layerOf.delete(stackId);
      viewer.remove(layerId);
    }
    // A preview outliving every stack it could belong to would keep the window from looking empty.
    if (stacks.length > 0 && stacks.every(isPreviewStack)) for (const p of stacks) if (!closing.has(p.stackId)) closeStack(p.stackId);
    for (const info of stacks) {
      if (layerOf.has(info.stackId) || loading.has(info.stackId) || refused.has(info.stackId) || closing.has(info.stackId) || isPreviewStack(info)) continue;
      // All layers share one voxel grid: a stack on another grid (shape, voxel size or unit) would be
      // drawn at the wrong scale, so it is refused with the reason instead.
      const world = viewer.get().world ?? pendingWorld();
      const mismatch = world ? gridMismatch(world, info) : null;
      if (mismatch) {
        refused.add(info.stackId);
        ws.notify('error', mismatch);
        closeStack(info.stackId);
        continue;
      }
      loading.add(info.stackId);
      fetchStackData(ws.api, info)
        .then((data) => {
          if (!ws.snapshot.stacks.some((s) => s.stackId === info.stackId)) return; // closed meanwhile
          // Segmentation results (meta.labels) are integer ids: a labels overlay, not an image.
          const id = info.meta.labels
            ? viewer.addLabelsLayer({
                name: layerName(info),
                data: Uint32Array.from(data),
                dims: { depth: info.depth, height: info.height, width: info.width },
                spacing: { z: info.meta.voxelSize.z, y: info.meta.voxelSize.y, x: info.meta.voxelSize.x },
                unit: info.meta.voxelSize.unit,
              })
            : viewer.addImageLayer({
            name: layerName(info),
            data,
            dims: { depth: info.depth, height: info.height, width: info.width },
            spacing: { z: info.meta.voxelSize.z, y: info.meta.voxelSize.y, x: info.meta.voxelSize.x },
            unit: info.meta.voxelSize.unit,
            dtype: info.meta.dtype,
            // a hyperstack's channel: its colour, blended additively with the other channels
            ...channelDisplay(info),
          });
          layerOf.set(info.stackId, id);
        })
        .catch((e: unknown) => ws.notify('error', `Viewer could not load ${info.name}: ${e instanceof Error ? e.message : String(e)}`))
        .finally(() => loading.delete(info.stackId));
    }
    const active = activeStackId ? layerOf.get(activeStackId) : undefined;
    if (active && active !== lastActive) {
      lastActive = active;
      viewer.select(active);
    }
  };
  /** While the first stack's voxels are still loading, later stacks are checked against it. */
  const pendingWorld = (): Grid | null => {
    const first = ws.snapshot.stacks.find((s) => loading.has(s.stackId));
    if (!first) return null;
    const v = first.meta.voxelSize;
    return { dims: { depth: first.depth, height: first.height, width: first.width }, spacing: { z: v.z, y: v.y, x: v.x }, unit: v.unit };
  };
  let lastActive: string | undefined;
  const unsubscribe = ws.subscribe(sync);
  // Removing a stack's layer closes the stack in main, so no panel keeps offering it and a reload
  // does not bring it back.
  const unsubscribeClose = viewer.subscribe((s, prev) => {
    if (s.layers === prev.layers) return;
    const ids = new Set(s.layers.map((l) => l.id));
    for (const [stackId, layerId] of layerOf) {
      if (ids.has(layerId)) continue;
      layerOf.delete(stackId);
      closeStack(stackId);
    }
  });
  // the other direction: selecting a stack's layer makes it the shell's active stack
  const unsubscribeViewer = viewer.subscribe((s, prev) => {
    if (s.selectedLayerId === prev.selectedLayerId || s.selectedLayerId === null) return;
    for (const [stackId, layerId] of layerOf) {
      if (layerId !== s.selectedLayerId || ws.snapshot.activeStackId === stackId) continue;
      lastActive = layerId;
      ws.set({ activeStackId: stackId });
    }
  });
  sync();
  const binding: ShellBinding = {
    viewer,
    layerOf,
    dispose: () => {
      unsubscribe();
      unsubscribeViewer();
      unsubscribeClose();
      bindings.delete(ws);
    },
  };
  bindings.set(ws, binding);
  return binding;
}
