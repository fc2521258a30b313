/** The viewer's stylesheet, injected once so the component works in the shell and the harness alike. */
const CSS = `
.n2s-workspace { display: grid; grid-template-columns: 250px minmax(0, 1fr); height: 100%; min-height: 0; background: #1b1d21; color: #d8dbe0; font: 12px system-ui, sans-serif; }
.n2s-workspace.n2s-no-sidebar { grid-template-columns: minmax(0, 1fr); }
.n2s-layer-panel { display: flex; flex-direction: column; gap: 8px; padding: 6px; color: #d8dbe0; font: 12px system-ui, sans-serif; }
.n2s-sidebar { overflow: auto; padding: 6px; border-right: 1px solid #30333a; display: flex; flex-direction: column; gap: 8px; }
.n2s-main { display: grid; grid-template-rows: auto minmax(0, 1fr) auto auto; min-width: 0; min-height: 0; }
.n2s-views { position: relative; min-height: 0; outline: none; user-select: none; }
.n2s-views > canvas { position: absolute; inset: 0; width: 100%; height: 100%; display: block; }
.n2s-cells { position: absolute; inset: 0; display: grid; gap: 2px; }
.n2s-viewport { position: relative; min-width: 0; min-height: 0; outline: 1px solid #30333a; cursor: crosshair; touch-action: none; }
.n2s-overlay { position: absolute; inset: 0; pointer-events: none; overflow: hidden; }
.n2s-overlay line { stroke: #ffd21a; stroke-opacity: 0.85; stroke-width: 1; shape-rendering: crispEdges; }
.n2s-overlay line.n2s-curtain { stroke: #ffffff; stroke-width: 2; }
.n2s-viewport-label { position: absolute; left: 4px; top: 2px; color: #ffd21a; pointer-events: none; font-weight: 600; text-shadow: 0 0 2px #000; }
.n2s-toolbar, .n2s-navigation, .n2s-readout { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; padding: 4px 6px; border-bottom: 1px solid #30333a; }
.n2s-readout { font-family: ui-monospace, monospace; border-top: 1px solid #30333a; }
.n2s-toolbar select { max-width: 130px; }
.n2s-toolbar button.active { background: #ffd21a; color: #000; }
.n2s-group { display: inline-flex; gap: 4px; align-items: center; padding-left: 6px; border-left: 1px solid #30333a; }
.n2s-layer-row { display: flex; gap: 4px; align-items: center; padding: 2px; border-radius: 3px; }
.n2s-layer-row.selected { background: #2d4f7c; }
.n2s-layer-name { flex: 1; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.n2s-layer-row button { padding: 0 4px; }
.n2s-layer-controls { display: flex; flex-direction: column; gap: 4px; }
.n2s-layer-controls label { display: flex; gap: 4px; align-items: center; }
.n2s-num { width: 58px; }
.n2s-muted { color: #8a8f98; }
.n2s-readout-name { display: inline-block; max-width: 220px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; vertical-align: bottom; }
.n2s-preview-inset { position: absolute; right: 8px; top: 44px; width: clamp(160px, 16vw, 320px); z-index: 4; background: rgba(20, 22, 26, 0.92); border: 1px solid #ffd21a; border-radius: 4px; padding: 4px; display: flex; flex-direction: column; gap: 3px; max-width: 45%; }
.n2s-preview-inset img { image-rendering: pixelated; width: 100%; height: auto; display: block; background: #000; }
.n2s-preview-inset header { display: flex; justify-content: space-between; align-items: center; gap: 6px; color: #ffd21a; font-weight: 600; }
.n2s-preview-inset header button { padding: 0 4px; }
.n2s-views-wrap { position: relative; min-height: 0; display: grid; }
.n2s-error { color: #ff6b6b; }
.n2s-subtitle { font-weight: 600; }
.n2s-histogram { width: 100%; height: 48px; background: #111; }
.n2s-layer-controls input[type=range] { flex: 1; min-width: 60px; }
.n2s-navigation input[type=range] { width: 160px; }
.n2s-navigation-row { display: flex; align-items: center; gap: 6px; border-bottom: 1px solid #30333a; }
.n2s-navigation-row > .n2s-navigation { border-bottom: none; flex: 1; }
`;

export function injectViewerStyles(doc: Document = document): void {
  if (doc.getElementById('n2s-viewer-styles')) return;
  const el = doc.createElement('style');
  el.id = 'n2s-viewer-styles';
  el.textContent = CSS;
  doc.head.appendChild(el);
}
