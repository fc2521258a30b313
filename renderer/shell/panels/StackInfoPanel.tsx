/** Built-in panel: shape, voxel size and origin of the active stack. */
import { formatVoxelSize, num } from '../../state/format.ts';
import type { SlotProps } from '../slots.ts';
import { useWorkspace } from '../workspace.ts';

export function StackInfoPanel({ workspace }: SlotProps) {
  const stack = useWorkspace(workspace, (s) => s.stacks.find((x) => x.stackId === s.activeStackId) ?? null);
  if (!stack) return <p className="muted">No stack open: File › Open stack…, a sample from the welcome, or drop a file on the window.</p>;
  const v = stack.meta.voxelSize;
  return (
    <dl className="kv" data-testid="stack-info">
      <dt>Name</dt>
      <dd title={stack.name}>{stack.name}</dd>
      <dt>Shape (Z×Y×X)</dt>
      <dd>
        {stack.depth}×{stack.height}×{stack.width}
      </dd>
      <dt>Voxel size</dt>
      <dd>
        <span data-testid="stack-voxel-size">{formatVoxelSize(v)}</span>
      </dd>
      <dt>Source dtype</dt>
      <dd>{stack.meta.dtype}</dd>
      <dt>Format</dt>
      <dd>
        {stack.meta.flavour} ({stack.meta.sourceAxes})
      </dd>
      <dt>Range</dt>
      <dd>
        {num(stack.min)} … {num(stack.max)}
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
