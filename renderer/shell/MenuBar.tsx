/**
 * The in-app menu bar, shown when there are no native menus (the browser). It issues the same
 * MenuCommands the Electron menu sends.
 */
import { useEffect, useRef, useState } from 'react';
import type { MenuCommand } from '../../shared/ipc/app.ts';
import type { Workspace } from './workspace.ts';

interface Item {
  label: string;
  /** A menu command (shared with the native menu) or an action of the page itself. */
  command: MenuCommand | (() => void);
  testId: string;
}

export function MenuBar({ ws, onCommand }: { ws: Workspace; onCommand: (c: MenuCommand) => void }) {
  const [open, setOpen] = useState<string | null>(null);
  const [recent, setRecent] = useState<string[]>([]);
  useEffect(() => {
    void ws.api.invoke('files:recent', {}).then(setRecent);
    return ws.api.on('files:recent-changed', setRecent);
  }, [ws]);
  // The same shortcuts as the native menu's accelerators.
  const command = useRef(onCommand);
  command.current = onCommand;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const typing = e.target instanceof HTMLElement && /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName);
      if ((e.key === 'F1' || (e.key === '?' && !typing)) && !e.ctrlKey && !e.metaKey) {
        e.preventDefault();
        ws.set({ shortcuts: true });
        return;
      }
      if (!(e.ctrlKey || e.metaKey) || e.altKey) return;
      const key = e.key.toLowerCase();
      if (key === 'o') command.current({ command: 'open-stack', role: 'primary' });
      else if (key === 'e') command.current({ command: 'export' });
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [ws]);

  const menus: Record<string, Item[]> = {
    File: [
      { label: 'Open stack…', command: { command: 'open-stack', role: 'primary' }, testId: 'menu-open-stack' },
      { label: 'Open second copy…', command: { command: 'open-stack', role: 'second-copy' }, testId: 'menu-open-second' },
      { label: 'Open reference (high exposure)…', command: { command: 'open-stack', role: 'reference' }, testId: 'menu-open-reference' },
      { label: 'Export…', command: { command: 'export' }, testId: 'menu-export' },
      ...recent.map((p, i) => ({
        label: `Recent: ${p.split(/[\\/]/).pop()}`,
        command: { command: 'open-path', path: p, role: 'primary' } as const,
        testId: `menu-recent-${i}`,
      })),
    ],
    Help: [
      { label: 'Keyboard shortcuts', command: () => ws.set({ shortcuts: true }), testId: 'menu-shortcuts' },
      { label: 'About Noise2Stack Studio', command: { command: 'about' }, testId: 'menu-about' },
    ],
  };

  return (
    <nav className="menubar" role="menubar" onMouseLeave={() => setOpen(null)}>
      {Object.entries(menus).map(([name, items]) => (
        <div key={name} className="menu">
          <button role="menuitem" data-testid={`menu-${name.toLowerCase()}`} onClick={() => setOpen(open === name ? null : name)}>
            {name}
          </button>
          {open === name && (
            <div className="menu-items" role="menu">
              {items.map((it) => (
                <button
                  key={it.testId}
                  role="menuitem"
                  data-testid={it.testId}
                  onClick={() => {
                    setOpen(null);
                    if (typeof it.command === 'function') it.command();
                    else onCommand(it.command);
                  }}
                >
                  {it.label}
                </button>
              ))}
            </div>
          )}
        </div>
      ))}
    </nav>
  );
}
