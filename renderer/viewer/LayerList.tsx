/** napari's layer list: top of the list is drawn last (on top). Visibility, rename, reorder, remove. */
import { useState } from 'react';
import { CloseIcon, DownIcon, UpIcon } from '../shell/icons.tsx';
import type { ViewerStore } from '../state/layers.ts';
import { useViewerState } from './useViewer.ts';

export function LayerList({ viewer }: { viewer: ViewerStore }) {
  const layers = useViewerState(viewer, (s) => s.layers);
  const selected = useViewerState(viewer, (s) => s.selectedLayerId);
  const [editing, setEditing] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const top = [...layers].reverse();
  return (
    <div className="n2s-layer-list" data-testid="layer-list">
      {top.map((l) => {
        const index = layers.indexOf(l);
        return (
          <div
            key={l.id}
            className={`n2s-layer-row${l.id === selected ? ' selected' : ''}`}
            data-layer={l.name}
            data-colormap={l.kind === 'image' ? l.colormap : 'labels'}
            data-blending={l.blending}
            onClick={() => viewer.select(l.id)}
          >
            <input
              type="checkbox"
              title="visible"
              checked={l.visible}
              onChange={(e) => viewer.updateLayer(l.id, { visible: e.target.checked })}
              onClick={(e) => e.stopPropagation()}
            />
            {editing === l.id ? (
              <input
                className="n2s-rename"
                autoFocus
                defaultValue={l.name}
                onKeyDown={(e) => {
                  if (e.key === 'Escape') setEditing(null);
                  if (e.key !== 'Enter') return;
                  try {
                    viewer.rename(l.id, e.currentTarget.value);
                    setEditing(null);
                    setError(null);
                  } catch (err) {
                    setError(err instanceof Error ? err.message : String(err));
                  }
                }}
                onBlur={() => setEditing(null)}
              />
            ) : (
              <span className="n2s-layer-name" title={`${l.name} (${l.kind}, ${l.dims.depth}×${l.dims.height}×${l.dims.width})`} onDoubleClick={() => setEditing(l.id)}>
                {l.name}
              </span>
            )}
            <button title="move up" aria-label="move up" disabled={index === layers.length - 1} onClick={(e) => (e.stopPropagation(), viewer.reorder(l.id, index + 1))}>
              <UpIcon />
            </button>
            <button title="move down" aria-label="move down" disabled={index === 0} onClick={(e) => (e.stopPropagation(), viewer.reorder(l.id, index - 1))}>
              <DownIcon />
            </button>
            <button title="close this layer (and its stack)" aria-label="close layer" data-testid="layer-close" onClick={(e) => (e.stopPropagation(), viewer.remove(l.id))}>
              <CloseIcon />
            </button>
          </div>
        );
      })}
      {error ? <div className="n2s-error">{error}</div> : null}
      {layers.length === 0 ? <div className="n2s-muted">No layers yet.</div> : null}
    </div>
  );
}
