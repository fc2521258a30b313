/**
 * Binds the viewer's layer store to the app shell: every stack main holds (opened inputs and job
 * results, mirrored in the shell's Workspace) becomes an image layer; closing a stack removes it;
 * the shell's active stack and the selected layer follow each other. Voxels are fetched once as XY
 * planes over IPC in chunks of ≤ 16 M values, so no single message carries a whole large stack.
 */
import type { N2sApi } from '../../shared/ipc/api.ts';
import type { StackInfo } from '../../shared/ipc/stacks.ts';
import type { Workspace as ShellWorkspace } from '../shell/workspace.ts';
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

/** Results are named by the job ("… (denoised)"); inputs other than the primary say their role. */
function layerName(info: StackInfo): string {
  return info.role === 'primary' || info.role === 'result' ? info.name : `${info.name} (${info.role})`;
}

export function bindViewerToShell(ws: ShellWorkspace): ShellBinding {
  const existing = bindings.get(ws);
  if (existing) return existing;
  const viewer = createViewerStore({ sessionId: 'app' });
  const layerOf = new Map<string, string>();
  const loading = new Set<string>();

  const sync = (): void => {
    const { stacks, activeStackId } = ws.snapshot;
    const live = new Set(stacks.map((s) => s.stackId));
    for (const [stackId, layerId] of layerOf) {
      if (live.has(stackId)) continue;
      layerOf.delete(stackId);
      if (viewer.get().layers.some((l) => l.id === layerId)) viewer.remove(layerId);
    }
    for (const info of stacks) {
      if (layerOf.has(info.stackId) || loading.has(info.stackId)) continue;
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
  let lastActive: string | undefined;
  const unsubscribe = ws.subscribe(sync);
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
      bindings.delete(ws);
    },
  };
  bindings.set(ws, binding);
  return binding;
}
