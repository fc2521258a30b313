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
import { useWorkspace } from '../shell/workspace.ts';
import { StackSelect, isImage, injectPanelStyles } from './common.tsx';
import { reportPlots } from './report-plots.ts';
import { workflowOf } from './workflow-state.ts';

function ExportPanel({ api, workspace }: SlotProps) {
  injectPanelStyles();
  const wf = workflowOf(workspace);
  const stacks = useWorkspace(workspace, (s) => s.stacks);
  const active = useWorkspace(workspace, (s) => s.activeStackId);
  const [stackId, setStackId] = useState('');
  const [path, setPath] = useState('');
  const [format, setFormat] = useState<'imagej' | 'ome'>('imagej');
  const [dtype, setDtype] = useState<'keep' | 'float32' | 'uint16' | 'uint8'>('float32');
  const [withReport, setWithReport] = useState(true);
  const [overwrite, setOverwrite] = useState(false);
  const [status, setStatus] = useState<{ state: 'idle' | 'running' | 'done' | 'error'; text: string }>({ state: 'idle', text: '' });
  const chosen = stackId || active || stacks.at(-1)?.stackId || '';
  const info = stacks.find((s) => s.stackId === chosen);

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
      const j = await runJob(api, 'export', { what: 'stack', stackId: info.stackId, path, format, dtype: info.meta.labels ? 'uint16' : dtype, overwrite, report });
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
        <input data-testid="export-path" value={path} onChange={(e) => setPath(e.target.value)} placeholder="/path/to/denoised.tif" />
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
          <option value="keep">as the source file</option>
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
