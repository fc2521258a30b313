/**
 * Export (issue 7): a stack (normally a denoised result) to TIFF — ImageJ or OME, dtype choice,
 * voxel size and description kept — with a report folder next to it: parameters of the model that
 * made it, backend, timings, the latest evaluation and segmentation numbers, and the loss-curve and
 * per-plane plots as PNG and SVG. Clear done / failed messages; inputs are never overwritten.
 */
import { useState } from 'react';
import type { ExportReport } from '../../shared/ipc/job-kinds/export.ts';
import { runJob } from '../api/jobs.ts';
import type { PanelDef, SlotProps } from '../shell/slots.ts';
import type { StackInfo } from '../../shared/ipc/stacks.ts';
import { PathField } from '../shell/PathField.tsx';
import { isPreviewStack, useWorkspace } from '../shell/workspace.ts';
import { StackSelect, isImage, injectPanelStyles } from './common.tsx';
import { reportPlots } from './report-plots.ts';
import { useWorkflow, workflowOf, type ExportSettings } from './workflow-state.ts';

type JobDtype = 'keep' | 'float32' | 'uint16' | 'uint8';

/**
 * The acquisition a stack came from: itself when it was opened from a file, else the noisy stack
 * the results were made from (a denoised layer is float32, its acquisition often uint16).
 */
export function acquisitionOf(stack: StackInfo, stacks: StackInfo[]): StackInfo {
  if (stack.role !== 'result') return stack;
  return stacks.find((s) => s.role === 'primary' && !s.meta.labels) ?? stack;
}

/** "as source" → the acquisition's dtype when the writer has it, else the stack's own ('keep'). */
export function exportDtype(choice: ExportSettings['dtype'], stack: StackInfo, stacks: StackInfo[]): JobDtype {
  if (choice !== 'source') return choice;
  const d = acquisitionOf(stack, stacks).meta.dtype;
  return d === 'uint8' || d === 'uint16' || d === 'float32' ? d : 'keep';
}

/** The stack Export offers first: the newest denoised image, else the noisy acquisition; never labels. */
function defaultExport(stacks: StackInfo[]): StackInfo | undefined {
  const images = stacks.filter((s) => isImage(s) && !isPreviewStack(s));
  return [...images].reverse().find((s) => s.role === 'result') ?? images.find((s) => s.role === 'primary') ?? images[0];
}

function ExportPanel({ api, workspace }: SlotProps) {
  injectPanelStyles();
  const wf = workflowOf(workspace);
  const stacks = useWorkspace(workspace, (s) => s.stacks).filter((s) => !isPreviewStack(s));
  const settings = useWorkflow(wf, (s) => s.export);
  const { format, dtype } = settings;
  const withReport = settings.report;
  const set = (patch: Partial<ExportSettings>) => wf.set({ export: { ...wf.snapshot.export, ...patch } });
  const setFormat = (format: ExportSettings['format']) => set({ format });
  const setDtype = (dtype: ExportSettings['dtype']) => set({ dtype });
  const setWithReport = (report: boolean) => set({ report });
  const [stackId, setStackId] = useState('');
  const [path, setPath] = useState('');
  const [overwrite, setOverwrite] = useState(false);
  const [status, setStatus] = useState<{ state: 'idle' | 'running' | 'done' | 'error'; text: string }>({ state: 'idle', text: '' });
  const chosen = stacks.some((s) => s.stackId === stackId) ? stackId : (defaultExport(stacks)?.stackId ?? '');
  const info = stacks.find((s) => s.stackId === chosen);
  const acquisition = info ? acquisitionOf(info, stacks) : undefined;

  const run = async () => {
    if (!info) return;
    setStatus({ state: 'running', text: 'exporting…' });
    try {
      let report: ExportReport | undefined;
      if (withReport && isImage(info)) {
        const s = wf.snapshot;
        const model = [...s.models].reverse().find((m) => m.summary);
        report = {
          title: `Noise2Stack Studio report: ${info.name}`,
          parameters: {
            stack: info.name,
            shape: `${info.depth}×${info.height}×${info.width}`,
            voxelSize: info.meta.voxelSize,
            ...(model?.summary ? { model: model.name, training: model.summary.config, layout: model.summary.layout, finalLoss: model.summary.finalLoss, bestValLoss: model.summary.bestValLoss, bestEpoch: model.summary.bestEpoch } : {}),
          },
          backend: s.backend ?? undefined,
          timings: s.timings,
          metrics: { evaluation: s.evaluation, segmentation: s.segmentations },
          plots: await reportPlots(s),
        };
      }
      const j = await runJob(api, 'export', { what: 'stack', stackId: info.stackId, path, format, dtype: info.meta.labels ? 'uint16' : exportDtype(dtype, info, stacks), overwrite, report });
      const r = await j.done;
      setStatus({ state: 'done', text: `Done: ${r.path} (${r.dtype}, ${(r.bytes / 1e6).toFixed(1)} MB)${r.reportDir ? `; report in ${r.reportDir}` : ''}${r.notes.length ? `; ${r.notes.join('; ')}` : ''}` });
    } catch (e) {
      setStatus({ state: 'error', text: `Failed: ${(e as Error).message}` });
    }
  };

  return (
    <form
      className="form"
      data-testid="export-panel"
      onSubmit={(e) => {
        e.preventDefault();
        void run();
      }}
    >
      <StackSelect testId="export-stack" label="Stack" stacks={stacks} value={chosen} onChange={setStackId} />
      <label>
        File (.tif, .ome.tif)
        <PathField api={api} value={path} onChange={setPath} purpose="export" mode="save" defaultName={`${(info?.name ?? 'denoised').replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '')}.tif`} placeholder="/path/to/denoised.tif" testId="export-path" />
      </label>
      <label>
        Flavour
        <select data-testid="export-format" value={format} onChange={(e) => setFormat(e.target.value as typeof format)}>
          <option value="imagej">ImageJ TIFF</option>
          <option value="ome">OME-TIFF</option>
        </select>
      </label>
      <label>
        Data type
        <select data-testid="export-dtype" value={dtype} onChange={(e) => setDtype(e.target.value as typeof dtype)}>
          <option value="float32">float32</option>
          <option value="uint16">uint16 (rounded, clipped)</option>
          <option value="uint8">uint8 (rounded, clipped)</option>
          <option value="source">as the acquisition{acquisition ? ` (${acquisition.meta.dtype})` : ''}</option>
        </select>
      </label>
      <label className="n2s-check">
        <input type="checkbox" data-testid="export-report" checked={withReport} onChange={(e) => setWithReport(e.target.checked)} /> write a report folder next to it
      </label>
      <label className="n2s-check">
        <input type="checkbox" data-testid="export-overwrite" checked={overwrite} onChange={(e) => setOverwrite(e.target.checked)} /> replace an existing file (never an input)
      </label>
      <button type="submit" data-testid="export-run" disabled={!info || !path || status.state === 'running'}>
        Export
      </button>
      <p data-testid="export-status" data-state={status.state} role={status.state === 'error' ? 'alert' : undefined}>
        {status.text}
      </p>
    </form>
  );
}

export const panel: PanelDef = { id: 'export', title: 'Export', order: 60, Component: ExportPanel };
