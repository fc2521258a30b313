/**
 * The shell's left-area slot (renderer/shell/slots.ts): the viewer's layer list and the selected
 * layer's controls, on the same store as the centre-area Workspace. Selecting a layer that shows
 * an open stack makes that stack the shell's active one (which the Denoise panel acts on).
 */
import type { SlotProps } from '../shell/slots.ts';
import { LayerControls } from './LayerControls.tsx';
import { LayerList } from './LayerList.tsx';
import { bindViewerToShell } from './shellBinding.ts';
import { injectViewerStyles } from './styles.ts';

export function LayerPanel({ workspace }: SlotProps) {
  injectViewerStyles();
  const { viewer } = bindViewerToShell(workspace);
  return (
    <div className="n2s-layer-panel" data-testid="viewer-layer-panel">
      <LayerList viewer={viewer} />
      <LayerControls viewer={viewer} />
    </div>
  );
}
