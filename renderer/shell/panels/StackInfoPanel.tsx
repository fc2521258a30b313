/** Built-in panel: shape, voxel size and origin of the active stack. */
import type { SlotProps } from '../slots.ts';
import { useWorkspace } from '../workspace.ts';

export function StackInfoPanel({ workspace }: SlotProps) {
  const stack = useWorkspace(workspace, (s) => s.stacks.find((x) => x.stackId === s.activeStackId) ?? null);
  if (!stack) return <p className="muted">No stack open.</p>;
  const v = stack.meta.voxelSize;
  return (
    <dl className="kv" data-testid="stack-info">
      <dt>Name</dt>
      <dd>{stack.name}</dd>
      <dt>Shape (Z×Y×X)</dt>
      <dd>
        {stack.depth}×{stack.height}×{stack.width}
      </dd>
      <dt>Voxel size</dt>
      <dd>
        {v.z}×{v.y}×{v.x} {v.unit}
      </dd>
      <dt>Source dtype</dt>
      <dd>{stack.meta.dtype}</dd>
      <dt>Format</dt>
      <dd>
        {stack.meta.flavour} ({stack.meta.sourceAxes})
      </dd>
      <dt>Range</dt>
      <dd>
        {stack.min.toPrecision(4)} … {stack.max.toPrecision(4)}
      </dd>
      <dt>Role</dt>
      <dd>{stack.role}</dd>
      {stack.meta.sourcePath && (
        <>
          <dt>File</dt>
          <dd className="path">{stack.meta.sourcePath}</dd>
        </>
      )}
    </dl>
  );
}
