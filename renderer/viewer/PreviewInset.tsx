/**
 * The live preview of a running training as an inset over the viewer: the one plane the latest
 * checkpoint denoised, drawn at its own size with contrast from that plane alone. It never becomes
 * a layer, so it cannot hide the stack on other planes. Closing it closes the preview stack.
 */
import { useEffect, useState } from 'react';
import type { StackInfo } from '../../shared/ipc/stacks.ts';
import { percentiles } from '../../shared/viewer/stats.ts';
import { isPreviewStack, useWorkspace, type Workspace } from '../shell/workspace.ts';
import { CloseIcon } from '../shell/icons.tsx';
import type { ViewerStore } from '../state/layers.ts';
import { useViewerState } from './useViewer.ts';

/** The plane a preview stack holds: named in its description or name; else the one non-empty plane. */
function previewPlane(info: StackInfo): number | null {
  const m = (info.meta.description ?? '').match(/plane (\d+)/) ?? info.name.match(/plane (\d+)/);
  if (m) return Number(m[1]);
  return info.depth === 1 ? 0 : null;
}

function previewStep(info: StackInfo): string {
  return info.name.match(/step (\d+)/)?.[1] ?? '';
}

export function PreviewInset({ ws, viewer }: { ws: Workspace; viewer: ViewerStore }) {
  const preview = useWorkspace(ws, (s) => [...s.stacks].reverse().find(isPreviewStack) ?? null);
  const cursorZ = useViewerState(viewer, (s) => s.cursor.z);
  const [shown, setShown] = useState<{ stackId: string; plane: number; limits: [number, number]; url: string } | null>(null);

  useEffect(() => {
    if (!preview) return;
    let live = true;
    const plane = previewPlane(preview);
    void (async () => {
      let z = plane;
      let data: Float32Array | null = null;
      if (z !== null) {
        data = (await ws.api.invoke('stack:planes', { stackId: preview.stackId, axis: 'z', start: z, count: 1 })).data;
      } else {
        // Unknown plane: scan for the one that holds values.
        for (let i = 0; i < preview.depth && !data; i++) {
          const p = (await ws.api.invoke('stack:planes', { stackId: preview.stackId, axis: 'z', start: i, count: 1 })).data;
          if (p.some((v) => v !== 0)) [z, data] = [i, p];
        }
      }
      if (!live || !data || z === null) return;
      // Drawn off-screen and shown as an image: a plain picture over the WebGL canvas composites
      // cleanly everywhere (a live 2-D canvas there left artefacts in the 3-D view under SwiftShader).
      const canvas = document.createElement('canvas');
      const [lo, hi] = percentiles(data, [0.5, 99.5]);
      const span = hi > lo ? hi - lo : 1;
      canvas.width = preview.width;
      canvas.height = preview.height;
      const ctx = canvas.getContext('2d');
      if (!ctx) return;
      const img = ctx.createImageData(preview.width, preview.height);
      for (let i = 0; i < data.length; i++) {
        const g = Math.max(0, Math.min(255, Math.round(((data[i]! - lo) / span) * 255)));
        img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = g;
        img.data[4 * i + 3] = 255;
      }
      ctx.putImageData(img, 0, 0);
      setShown({ stackId: preview.stackId, plane: z, limits: [lo, hi], url: canvas.toDataURL('image/png') });
    })().catch(() => undefined); // closed while fetching: the next preview redraws
    return () => {
      live = false;
    };
  }, [ws, preview]);

  if (!preview) return null;
  const step = previewStep(preview);
  return (
    <div className="n2s-preview-inset" data-testid="preview-inset" data-plane={shown?.plane ?? ''} data-step={step} data-stack={preview.stackId}>
      <header>
        <span>
          Live preview{step ? ` · step ${step}` : ''}
          {shown ? ` · plane ${shown.plane}` : ''}
        </span>
        <button type="button" title="close the preview" aria-label="close the preview" data-testid="preview-close" onClick={() => void ws.api.invoke('stack:close', { stackId: preview.stackId }).catch(() => undefined)}>
          <CloseIcon />
        </button>
      </header>
      {shown ? <img src={shown.url} width={preview.width} height={preview.height} alt={`live preview of plane ${shown.plane}`} data-testid="preview-image" /> : null}
      {shown && shown.plane !== cursorZ ? <span className="n2s-muted">you are on plane {cursorZ}: the next preview shows it</span> : null}
    </div>
  );
}
