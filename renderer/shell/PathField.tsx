/**
 * A path input with a "Choose…" button for panels (model folders, export targets). In Electron it
 * opens the native dialog — which is also what makes the path usable, since main only reads and
 * writes what the user chose; in the browser it opens an in-app chooser over the folders the
 * bridge allows.
 */
import { useState } from 'react';
import { createPortal } from 'react-dom';
import type { N2sApi } from '../../shared/ipc/api.ts';
import type { FilePurpose } from '../../shared/ipc/files.ts';
import { DirBrowser } from './DirBrowser.tsx';

export type PathMode = 'open-file' | 'open-dir' | 'save';

export interface PathFieldProps {
  api: N2sApi;
  value: string;
  onChange: (path: string) => void;
  purpose: FilePurpose;
  mode: PathMode;
  /** File name proposed when saving. */
  defaultName?: string;
  placeholder?: string;
  testId?: string;
}

export function joinPath(folder: string, name: string): string {
  const sep = folder.includes('\\') && !folder.includes('/') ? '\\' : '/';
  return folder.endsWith(sep) ? folder + name : `${folder}${sep}${name}`;
}

export function PathField({ api, value, onChange, purpose, mode, defaultName, placeholder, testId }: PathFieldProps) {
  const [inApp, setInApp] = useState(false);
  const choose = async () => {
    if (mode === 'save') {
      const r = await api.invoke('files:choose-save', { purpose, defaultName: defaultName ?? 'output.tif' });
      if (!r.native) setInApp(true);
      else if (r.path) onChange(r.path);
    } else {
      const r = await api.invoke('files:choose-open', { purpose, directory: mode === 'open-dir' });
      if (!r.native) setInApp(true);
      else if (r.paths?.[0]) onChange(r.paths[0]);
    }
  };
  return (
    <div className="path-field">
      <input data-testid={testId} value={value} onChange={(e) => onChange(e.target.value)} placeholder={placeholder} />
      <button type="button" data-testid={testId ? `${testId}-choose` : undefined} onClick={() => void choose()}>
        Choose…
      </button>
      {/* In a portal: the chooser must not sit inside the panel's form or label. */}
      {inApp &&
        createPortal(
          <PathChooser
            api={api}
            mode={mode}
            defaultName={defaultName}
            onDone={(p) => {
              setInApp(false);
              if (p) onChange(p);
            }}
          />,
          document.body,
        )}
    </div>
  );
}

export function PathChooser({ api, mode, defaultName, onDone }: { api: N2sApi; mode: PathMode; defaultName?: string; onDone: (p: string | null) => void }) {
  const [folder, setFolder] = useState('');
  const [name, setName] = useState(defaultName ?? '');
  const title = mode === 'open-dir' ? 'Choose a folder' : mode === 'save' ? 'Save as' : 'Choose a file';
  return (
    <div className="modal-backdrop" onClick={() => onDone(null)}>
      <div className="modal" role="dialog" aria-label={title} data-testid="path-chooser" onClick={(e) => e.stopPropagation()}>
        <h2>{title}</h2>
        <DirBrowser api={api} onFolder={setFolder} onPick={(e) => (mode === 'save' ? setName(e.name) : mode === 'open-file' && onDone(e.path))} />
        <div className="path-row">
          {mode === 'save' && <input data-testid="path-chooser-name" value={name} onChange={(e) => setName(e.target.value)} />}
          {mode !== 'open-file' && (
            <button
              type="button"
              data-testid="path-chooser-ok"
              disabled={!folder || (mode === 'save' && !name.trim())}
              onClick={() => onDone(mode === 'save' ? joinPath(folder, name.trim()) : folder)}
            >
              {mode === 'save' ? 'Save here' : 'Use this folder'}
            </button>
          )}
          <button type="button" onClick={() => onDone(null)}>
            Cancel
          </button>
        </div>
      </div>
    </div>
  );
}
