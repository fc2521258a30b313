/** Errors and messages for the user, readable and dismissable, at the top of the window. */
import { CloseIcon } from './icons.tsx';
import { useWorkspace, type Workspace } from './workspace.ts';

export function Notices({ ws }: { ws: Workspace }) {
  const notices = useWorkspace(ws, (s) => s.notices);
  if (!notices.length) return null;
  return (
    <div className="notices">
      {notices.map((n) => (
        <div key={n.id} className={`notice notice-${n.level}`} role={n.level === 'error' ? 'alert' : 'status'} data-testid={`notice-${n.level}`}>
          <span>{n.message}</span>
          <button aria-label="Dismiss" onClick={() => ws.dismiss(n.id)}>
            <CloseIcon />
          </button>
        </div>
      ))}
    </div>
  );
}
