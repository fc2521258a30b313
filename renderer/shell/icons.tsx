/**
 * The few icons the UI draws, as inline SVG: emoji and symbol characters render as empty boxes on
 * systems without the right font, SVG renders everywhere.
 */
import type { ReactNode } from 'react';

function Icon({ children, title }: { children: ReactNode; title?: string }) {
  return (
    <svg className="icon" width="14" height="14" viewBox="0 0 16 16" aria-hidden={title ? undefined : true} role={title ? 'img' : undefined} data-icon="">
      {title ? <title>{title}</title> : null}
      {children}
    </svg>
  );
}

export const FolderIcon = () => (
  <Icon>
    <path d="M1 3.5h5l1.5 1.5H15v8.5H1z" fill="#d9b45a" stroke="#8a6d2a" strokeWidth="1" />
  </Icon>
);

export const FileIcon = () => (
  <Icon>
    <path d="M3 1.5h7l3 3v10H3z" fill="#c9ced6" stroke="#6b7380" strokeWidth="1" />
  </Icon>
);

export const CloseIcon = ({ title }: { title?: string }) => (
  <Icon title={title}>
    <path d="M4 4l8 8M12 4l-8 8" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
  </Icon>
);

export const UpIcon = () => (
  <Icon>
    <path d="M3 11l5-6 5 6z" fill="currentColor" />
  </Icon>
);

export const DownIcon = () => (
  <Icon>
    <path d="M3 5l5 6 5-6z" fill="currentColor" />
  </Icon>
);
