/**
 * The in-app open dialog for the browser, where no native dialog exists: the shipped samples, a
 * folder browser limited to what main allows, and a path field.
 */
import { useEffect, useState } from 'react';
import type { SampleInfo } from '../../shared/ipc/stacks.ts';
import { openStack } from './actions.ts';
import { DirBrowser } from './DirBrowser.tsx';
import type { Workspace } from './workspace.ts';

export function OpenDialog({ ws, role }: { ws: Workspace; role: 'primary' | 'second-copy' | 'reference' }) {
  const [samples, setSamples] = useState<SampleInfo[]>([]);
  const [path, setPath] = useState('');

  useEffect(() => {
    void ws.api.invoke('stack:samples', {}).then(setSamples);
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && ws.set({ openDialog: null });
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [ws]);

  const close = () => ws.set({ openDialog: null });
  const open = (source: { kind: 'file'; path: string } | { kind: 'sample'; id: string }) => {
    close();
    void openStack(ws, source, role);
  };

  return (
    <div className="modal-backdrop" onClick={close}>
      <div className="modal" role="dialog" aria-label="Open stack" data-testid="open-dialog" onClick={(e) => e.stopPropagation()}>
        <h2>Open {role === 'primary' ? 'stack' : role === 'second-copy' ? 'second copy' : 'reference'}</h2>
        <section>
          <h3>Samples</h3>
          <ul className="sample-list">
            {samples.map((s) => (
              <li key={s.id}>
                <button data-testid={`sample-${s.id}`} onClick={() => open({ kind: 'sample', id: s.id })} title={s.description}>
                  {s.name}
                </button>
              </li>
            ))}
          </ul>
        </section>
        <section>
          <h3>Files</h3>
          <DirBrowser api={ws.api} onPick={(e) => setPath(e.path)} onOpen={(e) => open({ kind: 'file', path: e.path })} />
          <form
            className="path-row"
            onSubmit={(e) => {
              e.preventDefault();
              if (path.trim()) open({ kind: 'file', path: path.trim() });
            }}
          >
            <input data-testid="open-path" value={path} onChange={(e) => setPath(e.target.value)} placeholder="/path/to/stack.tif" />
            <button type="submit" data-testid="open-path-submit">
              Open
            </button>
            <button type="button" onClick={close}>
              Cancel
            </button>
          </form>
        </section>
      </div>
    </div>
  );
}
