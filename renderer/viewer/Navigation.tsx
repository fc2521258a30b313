/** Plane sliders (z, y, x) that move the shared cursor. */
import type { ViewerStore } from '../state/layers.ts';
import { useViewerState } from './useViewer.ts';

export function Navigation({ viewer }: { viewer: ViewerStore }) {
  const cursor = useViewerState(viewer, (s) => s.cursor);
  const world = useViewerState(viewer, (s) => s.world);
  if (!world) return null;
  const n = { z: world.dims.depth, y: world.dims.height, x: world.dims.width };
  return (
    <div className="n2s-navigation">
      {(['z', 'y', 'x'] as const).map((k) => (
        <label key={k}>
          {k}
          <input
            type="range"
            min={0}
            max={n[k] - 1}
            step={1}
            value={cursor[k]}
            data-slider={k}
            onChange={(e) => viewer.setCursor({ ...viewer.get().cursor, [k]: Number(e.target.value) })}
          />
          <span className="n2s-num">
            {cursor[k]}/{n[k] - 1}
          </span>
        </label>
      ))}
    </div>
  );
}
