/** Help › Keyboard shortcuts: every key the app answers to, in one table. */
import type { Workspace } from './workspace.ts';

export const SHORTCUTS: [string, string][] = [
  ['Ctrl+O', 'Open a stack'],
  ['Ctrl+E', 'Export'],
  ['drop a file', 'Open it as a stack'],
  ['click / drag in a view', 'Move the cursor (all views follow)'],
  ['mouse over a view', 'Status bar shows voxel, position and values under the mouse'],
  ['Shift+drag, right or middle drag', 'Pan'],
  ['mouse wheel', 'Zoom about the mouse (3-D view: dolly)'],
  ['← → ↑ ↓', 'Move the cursor within the plane (Shift: 10 voxels)'],
  ['Page Up / Page Down', 'Next / previous plane (Shift: 10 planes)'],
  ['drag in the 3-D view', 'Rotate'],
  ['double click a layer name', 'Rename the layer'],
  ['Escape', 'Close a dialog'],
  ['? or F1', 'This list'],
];

export function ShortcutsDialog({ ws }: { ws: Workspace }) {
  const close = () => ws.set({ shortcuts: false });
  return (
    <div className="modal-backdrop" onClick={close}>
      <div className="modal" role="dialog" aria-label="Keyboard shortcuts" data-testid="shortcuts-dialog" onClick={(e) => e.stopPropagation()}>
        <h2>Keyboard shortcuts</h2>
        <table className="shortcuts">
          <tbody>
            {SHORTCUTS.map(([k, what]) => (
              <tr key={k}>
                <td>
                  <kbd>{k}</kbd>
                </td>
                <td>{what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <div className="path-row">
          <button type="button" data-testid="shortcuts-close" onClick={close}>
            Close
          </button>
        </div>
      </div>
    </div>
  );
}
