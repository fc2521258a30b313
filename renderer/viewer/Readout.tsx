/** Cursor position (voxel and physical) and the value of every visible layer there (CPU arrays). */
import type { ViewerStore } from '../state/layers.ts';
import { useViewerState } from './useViewer.ts';

const show = (v: number | null): string =>
  v === null ? 'outside' : Number.isInteger(v) ? String(v) : Math.abs(v) >= 1e4 || Math.abs(v) < 1e-3 ? v.toExponential(4) : v.toPrecision(6);

export function Readout({ viewer }: { viewer: ViewerStore }) {
  const cursor = useViewerState(viewer, (s) => s.cursor);
  useViewerState(viewer, (s) => s.layers); // values depend on visibility and names too
  const phys = viewer.physicalPosition(cursor);
  const values = viewer.valuesAt(cursor);
  return (
    <div className="n2s-readout" data-testid="readout">
      <span data-readout="voxel">
        z {cursor.z}, y {cursor.y}, x {cursor.x}
      </span>
      {phys ? (
        <span data-readout="physical">
          ({phys.z.toPrecision(5)}, {phys.y.toPrecision(5)}, {phys.x.toPrecision(5)}) {phys.unit}
        </span>
      ) : null}
      {values.map((v) => (
        <span key={v.id} data-readout-layer={v.name} data-value={v.value ?? ''}>
          {v.name}: <b>{show(v.value)}</b>
        </span>
      ))}
    </div>
  );
}
