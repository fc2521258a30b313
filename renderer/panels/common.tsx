/** Small pieces the workflow panels share: stack pickers by role, number fields, job errors. */
import type { StackInfo } from '../../shared/ipc/stacks.ts';
import type { Workspace } from '../shell/workspace.ts';

export const isImage = (s: StackInfo) => !s.meta.labels;

/**
 * A stack's name with the method that produced it (the denoise job writes "model n2s self K=2"
 * into the description), so several denoised results are told apart in tables and plots.
 */
export function stackLabel(s: StackInfo): string {
  const m = s.meta.description?.match(/model (\w+) (self|copy) K=(\d+)/);
  return m ? `${s.name} — ${m[1]} ${m[2]} K=${m[3]}` : s.name;
}

export function stacksByRole(stacks: StackInfo[]): { primary?: StackInfo; copy?: StackInfo; reference?: StackInfo } {
  return {
    primary: stacks.find((s) => s.role === 'primary'),
    copy: stacks.find((s) => s.role === 'second-copy'),
    reference: stacks.find((s) => s.role === 'reference'),
  };
}

export function StackSelect(props: { testId: string; label: string; stacks: StackInfo[]; value: string; onChange: (id: string) => void; allowNone?: boolean }) {
  return (
    <label>
      {props.label}
      <select data-testid={props.testId} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        {props.allowNone && <option value="">(none)</option>}
        {props.stacks.map((s) => (
          <option key={s.stackId} value={s.stackId} title={s.name}>
            {s.name}
            {s.role !== 'primary' && s.role !== 'result' ? ` (${s.role})` : ''}
          </option>
        ))}
      </select>
    </label>
  );
}

export function NumberField(props: { testId: string; label: string; value: number; onChange: (v: number) => void; min?: number; max?: number; step?: number; disabled?: boolean }) {
  return (
    <label>
      {props.label}
      <input
        type="number"
        data-testid={props.testId}
        value={Number.isFinite(props.value) ? props.value : ''}
        min={props.min}
        max={props.max}
        step={props.step ?? 1}
        disabled={props.disabled}
        onChange={(e) => props.onChange(e.target.valueAsNumber)}
      />
    </label>
  );
}

/** Job start refusals (bad parameters) are not job events, so no notice exists yet: add one. */
export function reportStartError(ws: Workspace, what: string, e: unknown): void {
  const msg = e instanceof Error ? e.message : String(e);
  if (!ws.snapshot.notices.some((n) => n.message.includes(msg))) ws.notify('error', `${what}: ${msg}`);
}

export function fmt(v: number | null | undefined, digits = 3): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits);
}

/** Layout helpers the panels use; injected once (the shell's stylesheet knows nothing of them). */
let styled = false;
export function injectPanelStyles(): void {
  if (styled || typeof document === 'undefined') return;
  styled = true;
  const el = document.createElement('style');
  el.textContent = `
.n2s-grid2 { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 4px 8px; }
.n2s-grid2 input { width: 100%; box-sizing: border-box; }
.form label.n2s-check { flex-direction: row; align-items: center; gap: 6px; }
.n2s-buttons { display: flex; gap: 6px; flex-wrap: wrap; }
.n2s-table { border-collapse: collapse; font-size: 12px; width: 100%; }
.n2s-table th, .n2s-table td { border-bottom: 1px solid #555; padding: 2px 4px; text-align: left; }
.n2s-problem { color: #ff8a80; }
.n2s-table.n2s-fit { table-layout: fixed; }
.n2s-table.n2s-fit td { overflow: hidden; text-overflow: ellipsis; }
.n2s-table.n2s-fit th { font-weight: 600; font-size: 11px; white-space: nowrap; overflow: hidden; vertical-align: bottom; }
.n2s-table .n2s-name { white-space: nowrap; }
.n2s-table button { padding: 1px 5px; }
.n2s-plot { width: 100%; min-height: 40px; }
.n2s-muted { color: #9ea3aa; }
.n2s-verdict { border-left: 4px solid #9ea3aa; background: #30343b; padding: 6px 8px; }
.n2s-verdict-better { border-left-color: #4caf50; }
.n2s-verdict-worse { border-left-color: #e5534b; }
.n2s-verdict-same { border-left-color: #d9b45a; }
.form details summary { cursor: pointer; color: #9ea3aa; margin: 4px 0; }
.tab-body, .right-area { overflow-x: hidden; }
.n2s-diagram { margin: 0; }
.n2s-diagram figcaption { font-size: 12px; }
`;
  document.head.appendChild(el);
}
