/**
 * What the empty canvas says: how to open a stack (button, samples, recent files, drag and drop),
 * instead of black panes.
 */
import { useEffect, useState } from 'react';
import type { SampleInfo } from '../../shared/ipc/stacks.ts';
import { chooseAndOpen, openStack } from './actions.ts';
import { FileIcon } from './icons.tsx';
import type { Workspace } from './workspace.ts';

export function Welcome({ ws }: { ws: Workspace }) {
  const [samples, setSamples] = useState<SampleInfo[]>([]);
  const [recent, setRecent] = useState<string[]>([]);
  useEffect(() => {
    void ws.api.invoke('stack:samples', {}).then(setSamples).catch(() => undefined);
    void ws.api.invoke('files:recent', {}).then(setRecent).catch(() => undefined);
    return ws.api.on('files:recent-changed', setRecent);
  }, [ws]);
  return (
    <div className="welcome" data-testid="welcome">
      <h1>Noise2Stack Studio</h1>
      <p className="muted">Denoise a z-stack from its own neighbouring planes — no clean images needed.</p>
      <div className="welcome-actions">
        <button type="button" className="primary" data-testid="welcome-open" onClick={() => void chooseAndOpen(ws, 'primary')}>
          Open a stack…
        </button>
        <span className="muted">or drop a TIFF, OME-TIFF, NIfTI or Zarr file anywhere on this window</span>
      </div>
      {samples.length > 0 && (
        <section>
          <h3>Try a sample</h3>
          <ul>
            {samples.map((s) => (
              <li key={s.id}>
                <button type="button" data-testid={`welcome-sample-${s.id}`} title={s.description} onClick={() => void openStack(ws, { kind: 'sample', id: s.id }, 'primary')}>
                  {s.name}
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      {recent.length > 0 && (
        <section>
          <h3>Recent files</h3>
          <ul>
            {recent.slice(0, 6).map((p, i) => (
              <li key={p}>
                <button type="button" data-testid={`welcome-recent-${i}`} title={p} onClick={() => void openStack(ws, { kind: 'file', path: p }, 'primary')}>
                  <FileIcon /> {p.split(/[\\/]/).pop()}
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      <p className="muted">Help › Keyboard shortcuts lists the keys (or press ?).</p>
    </div>
  );
}
