/**
 * The status bar: the voxel under the mouse (the cursor's when the mouse is not over a 2-D view),
 * its physical position and the value of every visible layer there (CPU arrays).
 */
import type { ViewerStore } from '../state/layers.ts';
import { formatValue, num, unitSymbol } from '../state/format.ts';
import { useViewerState } from './useViewer.ts';

export function Readout({ viewer }: { viewer: ViewerStore }) {
  const cursor = useViewerState(viewer, (s) => s.cursor);
  const hover = useViewerState(viewer, (s) => s.hover);
  useViewerState(viewer, (s) => s.layers); // values depend on visibility and names too
  const at = hover ?? cursor;
  const phys = viewer.physicalPosition(at);
  const values = viewer.valuesAt(at);
  return (
    <div className="n2s-readout" data-testid="readout" data-source={hover ? 'mouse' : 'cursor'} data-z={at.z} data-y={at.y} data-x={at.x}>
      <span className="n2s-muted">{hover ? 'mouse' : 'cursor'}</span>
      <span data-readout="voxel">
        z {at.z}, y {at.y}, x {at.x}
      </span>
      {phys ? (
        <span data-readout="physical">
          ({num(phys.z)}, {num(phys.y)}, {num(phys.x)}) {unitSymbol(phys.unit)}
        </span>
      ) : null}
      {values.map((v) => (
        <span key={v.id} data-readout-layer={v.name} data-value={v.value ?? ''} title={v.name}>
          <span className="n2s-readout-name">{v.name}</span>: <b>{formatValue(v.value)}</b>
        </span>
      ))}
    </div>
  );
}
