/**
 * The shell's viewer slot (renderer/shell/slots.ts finds this file and mounts `Workspace` in the
 * centre area with SlotProps). Everything else lives in ViewerWorkspace, which only needs a layer
 * store; here the store is bound to the stacks main holds. The binding lives as long as the
 * shell's workspace (one per window), so remounts keep layers and their textures' source data.
 * A running training's live preview is drawn as an inset over the views.
 */
import type { SlotProps } from '../shell/slots.ts';
import { PreviewInset } from './PreviewInset.tsx';
import { bindViewerToShell } from './shellBinding.ts';
import { TimeSlider } from './TimeSlider.tsx';
import { ViewerWorkspace } from './ViewerWorkspace.tsx';

export function Workspace({ workspace }: SlotProps) {
  const { viewer } = bindViewerToShell(workspace);
  // the layer list and controls are in the shell's left area (LayerPanel.tsx)
  return (
    <>
      <ViewerWorkspace viewer={viewer} sidebar={false} navigationExtra={<TimeSlider ws={workspace} />} />
      <PreviewInset ws={workspace} viewer={viewer} />
    </>
  );
}
