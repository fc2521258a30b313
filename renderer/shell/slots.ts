/// <reference types="vite/client" />
/**
 * Where other parts of the UI plug into the shell, found at build time (no edits to the shell
 * needed):
 *   renderer/viewer/Workspace.tsx   exports `Workspace: ComponentType<SlotProps>`  → centre area
 *   renderer/viewer/LayerPanel.tsx  exports `LayerPanel: ComponentType<SlotProps>` → left area
 *   renderer/panels/*.panel.tsx     export `panel: PanelDef`                      → right-hand tabs
 * Until they exist the shell shows its own simple plane view and stack list.
 */
import type { ComponentType } from 'react';
import type { N2sApi } from '../../shared/ipc/api.ts';
import type { Workspace } from './workspace.ts';

export interface SlotProps {
  api: N2sApi;
  workspace: Workspace;
}

export interface PanelDef {
  /** Stable id; a panel with the id of a built-in shell panel replaces it. */
  id: string;
  title: string;
  /** Tabs are sorted by order, then title. */
  order?: number;
  Component: ComponentType<SlotProps>;
}

const viewerModules = import.meta.glob<{ Workspace?: ComponentType<SlotProps> }>('../viewer/Workspace.tsx', { eager: true });
const layerModules = import.meta.glob<{ LayerPanel?: ComponentType<SlotProps> }>('../viewer/LayerPanel.tsx', { eager: true });
const panelModules = import.meta.glob<{ panel?: PanelDef }>('../panels/*.panel.tsx', { eager: true });

export const ViewerSlot: ComponentType<SlotProps> | null = Object.values(viewerModules)[0]?.Workspace ?? null;
export const LayerSlot: ComponentType<SlotProps> | null = Object.values(layerModules)[0]?.LayerPanel ?? null;

export function collectPanels(builtIn: PanelDef[]): PanelDef[] {
  const plugged = Object.values(panelModules)
    .map((m) => m.panel)
    .filter((p): p is PanelDef => !!p);
  const ids = new Set(plugged.map((p) => p.id));
  return [...builtIn.filter((p) => !ids.has(p.id)), ...plugged].sort(
    (a, b) => (a.order ?? 100) - (b.order ?? 100) || a.title.localeCompare(b.title),
  );
}
