/** Mode switch (orthogonal / grid / swipe), grid and swipe layer choice, sync contrast, difference views. */
import { useState } from 'react';
import type { Axis } from '../../shared/viewer/reslice.ts';
import type { ViewerStore, ViewMode } from '../state/layers.ts';
import { useViewerState } from './useViewer.ts';

const AXIS_OPTIONS: Axis[] = ['xy', 'xz', 'yz'];

export function ComparisonBar({ viewer }: { viewer: ViewerStore }) {
  const mode = useViewerState(viewer, (s) => s.mode);
  const layers = useViewerState(viewer, (s) => s.layers);
  const grid = useViewerState(viewer, (s) => s.grid);
  const swipe = useViewerState(viewer, (s) => s.swipe);
  const sync = useViewerState(viewer, (s) => s.syncContrast);
  const images = layers.filter((l) => l.kind === 'image');
  const [diffA, setDiffA] = useState('');
  const [diffB, setDiffB] = useState('');
  const [error, setError] = useState<string | null>(null);
  const attempt = (f: () => void): void => {
    try {
      f();
      setError(null);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  /** A new derived layer is put where the current mode shows it (else it would change nothing on screen). */
  const showDerived = (id: string): void => {
    const s = viewer.get();
    if (s.mode === 'swipe') viewer.setSwipe({ rightId: id });
    else if (s.mode === 'grid' && !s.grid.layerIds.includes(id)) viewer.setGrid([...s.grid.layerIds.slice(0, 3), id]);
  };
  const a = diffA || images[0]?.id || '';
  const b = diffB || images[1]?.id || '';
  return (
    <div className="n2s-toolbar">
      {(['ortho', 'grid', 'swipe'] as ViewMode[]).map((m) => (
        <button key={m} data-mode={m} className={mode === m ? 'active' : ''} onClick={() => viewer.setMode(m)}>
          {m === 'ortho' ? 'orthogonal' : m}
        </button>
      ))}
      {mode === 'grid' ? (
        <span className="n2s-group">
          {images.map((l) => (
            <label key={l.id}>
              <input
                type="checkbox"
                checked={grid.layerIds.includes(l.id)}
                onChange={(e) =>
                  attempt(() => viewer.setGrid(e.target.checked ? [...grid.layerIds, l.id] : grid.layerIds.filter((x) => x !== l.id)))
                }
              />
              {l.name}
            </label>
          ))}
          <select value={grid.axis} onChange={(e) => viewer.setGrid(grid.layerIds, e.target.value as Axis)}>
            {AXIS_OPTIONS.map((x) => (
              <option key={x}>{x}</option>
            ))}
          </select>
        </span>
      ) : null}
      {mode === 'swipe' ? (
        <span className="n2s-group">
          <select value={swipe.leftId ?? ''} onChange={(e) => viewer.setSwipe({ leftId: e.target.value })}>
            {images.map((l) => (
              <option key={l.id} value={l.id} title={l.name}>
                {l.name}
              </option>
            ))}
          </select>
          |
          <select value={swipe.rightId ?? ''} onChange={(e) => viewer.setSwipe({ rightId: e.target.value })}>
            {images.map((l) => (
              <option key={l.id} value={l.id} title={l.name}>
                {l.name}
              </option>
            ))}
          </select>
          <input type="range" min={0} max={1} step={0.001} value={swipe.position} onChange={(e) => viewer.setSwipe({ position: Number(e.target.value) })} />
          <select value={swipe.axis} onChange={(e) => viewer.setSwipe({ axis: e.target.value as Axis })}>
            {AXIS_OPTIONS.map((x) => (
              <option key={x}>{x}</option>
            ))}
          </select>
        </span>
      ) : null}
      <label>
        <input type="checkbox" checked={sync} onChange={(e) => viewer.setSyncContrast(e.target.checked)} /> sync contrast
      </label>
      <span className="n2s-group">
        <select value={a} onChange={(e) => setDiffA(e.target.value)}>
          {images.map((l) => (
            <option key={l.id} value={l.id} title={l.name}>
              {l.name}
            </option>
          ))}
        </select>
        −
        <select value={b} onChange={(e) => setDiffB(e.target.value)}>
          {images.map((l) => (
            <option key={l.id} value={l.id} title={l.name}>
              {l.name}
            </option>
          ))}
        </select>
        <button
          disabled={!a || !b || a === b}
          data-testid="difference"
          title="add the layer a − b; in swipe mode it becomes the right-hand side of the curtain, in grid mode a cell"
          onClick={() => attempt(() => showDerived(viewer.addDifferenceLayer(a, b)))}
        >
          difference
        </button>
        <button disabled={!a} title="plane z − mean(z−1, z+1), Papkov et al. 2021 Fig. 1" onClick={() => attempt(() => showDerived(viewer.addResidualLayer(a)))}>
          residual
        </button>
      </span>
      {error ? <span className="n2s-error">{error}</span> : null}
    </div>
  );
}
