/**
 * The window layout: menu bar (browser only; Electron has native menus), notices, left layer
 * area, centre viewer, right tabbed panels, jobs bar. Slots are filled by the viewer and
 * workflow code when present (slots.ts).
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { AppInfo } from '../../shared/ipc/app.ts';
import { runMenuCommand } from './actions.ts';
import { JobsBar } from './JobsBar.tsx';
import { MenuBar } from './MenuBar.tsx';
import { Notices } from './Notices.tsx';
import { OpenDialog } from './OpenDialog.tsx';
import { PlaneView } from './PlaneView.tsx';
import { DenoisePanel } from './panels/DenoisePanel.tsx';
import { StackInfoPanel } from './panels/StackInfoPanel.tsx';
import { collectPanels, LayerSlot, ViewerSlot, type PanelDef } from './slots.ts';
import { openDropped } from './drop.ts';
import { ShortcutsDialog } from './Shortcuts.tsx';
import { StackList } from './StackList.tsx';
import { Welcome } from './Welcome.tsx';
import { useWorkspace, type Workspace } from './workspace.ts';

const BUILT_IN: PanelDef[] = [
  { id: 'stack-info', title: 'Stack', order: 10, Component: StackInfoPanel },
  { id: 'denoise', title: 'Denoise', order: 50, Component: DenoisePanel },
];

export function Shell({ ws, info }: { ws: Workspace; info: AppInfo }) {
  const panels = useMemo(() => collectPanels(BUILT_IN), []);
  const [tab, setTab] = useState(panels[0]?.id ?? '');
  const openDialog = useWorkspace(ws, (s) => s.openDialog);
  const shortcuts = useWorkspace(ws, (s) => s.shortcuts);
  const stackCount = useWorkspace(ws, (s) => s.stacks.length);
  const empty = stackCount === 0;
  const [dragging, setDragging] = useState(false);
  const showPanel = (id: string): boolean => {
    if (!panels.some((p) => p.id === id)) return false;
    setTab(id);
    return true;
  };

  // The menu listener lives as long as the workspace; it reaches the current panels through a ref.
  const showPanelRef = useRef(showPanel);
  showPanelRef.current = showPanel;
  useEffect(() => ws.api.on('menu:command', (cmd) => runMenuCommand(ws, cmd, (id) => showPanelRef.current(id))), [ws]);
  // Main lists the panels in the native View menu.
  useEffect(() => void ws.api.invoke('app:set-panels', { panels: panels.map(({ id, title }) => ({ id, title })) }).catch(() => undefined), [ws, panels]);

  const props = { api: ws.api, workspace: ws };
  const showLeft = LayerSlot !== null || ViewerSlot === null;
  const Active = panels.find((p) => p.id === tab)?.Component;
  return (
    <div
      className={`shell${dragging ? ' dragging' : ''}`}
      data-testid="shell"
      data-mode={info.mode}
      data-stacks={stackCount}
      onDragOver={(e) => {
        if (!e.dataTransfer.types.includes('Files')) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
        setDragging(true);
      }}
      onDragLeave={(e) => {
        if (e.currentTarget === e.target) setDragging(false);
      }}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        const files = Array.from(e.dataTransfer.files);
        if (files.length) void openDropped(ws, files);
      }}
    >
      {info.mode === 'bridge' && <MenuBar ws={ws} onCommand={(c) => runMenuCommand(ws, c, showPanel)} />}
      <Notices ws={ws} />
      {/* The viewer's Workspace carries its own layer list; the left area is for a separate LayerPanel
          or, with no viewer at all, the shell's stack list. */}
      <div className={`shell-main${showLeft ? '' : ' no-left'}`}>
        {showLeft && <aside className="left-area">{LayerSlot ? <LayerSlot {...props} /> : <StackList ws={ws} />}</aside>}
        <main className="centre-area">
          {ViewerSlot ? <ViewerSlot {...props} /> : <PlaneView ws={ws} />}
          {empty && <Welcome ws={ws} />}
        </main>
        <aside className="right-area">
          <div className="tabs" role="tablist">
            {panels.map((p) => (
              <button key={p.id} role="tab" aria-selected={p.id === tab} data-testid={`tab-${p.id}`} onClick={() => setTab(p.id)}>
                {p.title}
              </button>
            ))}
          </div>
          <div className="tab-body" role="tabpanel">
            {Active && <Active {...props} />}
          </div>
        </aside>
      </div>
      <JobsBar ws={ws} />
      {openDialog && <OpenDialog ws={ws} role={openDialog.role} />}
      {shortcuts && <ShortcutsDialog ws={ws} />}
    </div>
  );
}
