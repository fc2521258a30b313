/**
 * A folder listing main allows the page to see (files:list-dir), for the in-app dialogs. Its
 * buttons are type="button": the listing may sit inside a panel's form.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { N2sApi } from '../../shared/ipc/api.ts';
import type { DirEntry, DirListing } from '../../shared/ipc/files.ts';
import { FileIcon, FolderIcon } from './icons.tsx';

export function DirBrowser({
  api,
  start,
  onPick,
  onOpen,
  onFolder,
}: {
  api: N2sApi;
  start?: string;
  /** A single click on a file. */
  onPick?: (entry: DirEntry) => void;
  /** A double click on a file. */
  onOpen?: (entry: DirEntry) => void;
  /** The folder now shown. */
  onFolder?: (path: string) => void;
}) {
  const [listing, setListing] = useState<DirListing | null>(null);
  const [error, setError] = useState<string | null>(null);
  // The listing reports to the current onFolder, whichever render asked for it.
  const onFolderRef = useRef(onFolder);
  onFolderRef.current = onFolder;
  const browse = useCallback(
    (dir?: string) =>
      api
        .invoke('files:list-dir', { path: dir })
        .then((l) => {
          setListing(l);
          setError(null);
          onFolderRef.current?.(l.path);
        })
        .catch((e: Error) => setError(e.message)),
    [api],
  );
  // The start folder is read once per bridge: later changes of the prop do not move the user.
  const startRef = useRef(start);
  useEffect(() => void browse(startRef.current), [browse]);

  return (
    <div className="dir-listing">
      {listing && (
        <>
          <div className="dir-path">{listing.path}</div>
          <ul>
            {listing.parent && (
              <li>
                <button type="button" onClick={() => browse(listing.parent!)}>
                  ..
                </button>
              </li>
            )}
            {listing.entries.map((e) => (
              <li key={e.path}>
                <button
                  type="button"
                  data-testid={`entry-${e.name}`}
                  onClick={() => (e.kind === 'dir' ? browse(e.path) : onPick?.(e))}
                  onDoubleClick={() => e.kind === 'file' && onOpen?.(e)}
                >
                  {e.kind === 'dir' ? <FolderIcon /> : <FileIcon />}{' '}
                  {e.name}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      {error && <div className="inline-error">{error}</div>}
    </div>
  );
}
