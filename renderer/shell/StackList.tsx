/** The shell's own list of open stacks (left area), used until the viewer's layer panel exists. */
import { useWorkspace, type Workspace } from './workspace.ts';

export function StackList({ ws }: { ws: Workspace }) {
  const stacks = useWorkspace(ws, (s) => s.stacks);
  const active = useWorkspace(ws, (s) => s.activeStackId);
  return (
    <div className="stack-list" data-testid="stack-list">
      <h3>Layers</h3>
      {stacks.length === 0 && <p className="muted">File › Open stack… to begin</p>}
      <ul>
        {stacks.map((s) => (
          <li key={s.stackId}>
            <button
              className={s.stackId === active ? 'active' : ''}
              data-testid={`stack-${s.stackId}`}
              onClick={() => ws.set({ activeStackId: s.stackId })}
              title={s.meta.sourcePath ?? s.name}
            >
              <span className="stack-name">{s.name}</span>
              <span className="stack-shape">
                {s.depth}×{s.height}×{s.width} · {s.role}
              </span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
