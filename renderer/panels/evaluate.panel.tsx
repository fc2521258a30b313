/**
 * Evaluate and compare (issue 7): with a reference loaded, PSNR/SSIM/NRMSE of the low exposure and
 * of each denoised result (percentile-affine for microscopy, none for MRI — docs/method.md §7), the
 * per-plane PSNR plot with the low exposure as the baseline (the paper's Figure 5), and a preset
 * that shows low | denoised | reference side by side in linked viewports.
 */
import { useEffect, useRef, useState } from 'react';
import { runJob } from '../api/jobs.ts';
import type { PanelDef, SlotProps } from '../shell/slots.ts';
import { isPreviewStack, useWorkspace } from '../shell/workspace.ts';
import { bindViewerToShell } from '../viewer/shellBinding.ts';
import { StackSelect, fmt, isImage, reportStartError, stackLabel, stacksByRole, injectPanelStyles } from './common.tsx';
import { drawPlot, purgePlot, type Trace } from './plot.ts';
import { useWorkflow, workflowOf } from './workflow-state.ts';

function EvaluatePanel({ api, workspace }: SlotProps) {
  injectPanelStyles();
  const wf = workflowOf(workspace);
  const stacks = useWorkspace(workspace, (s) => s.stacks).filter((s) => isImage(s) && !isPreviewStack(s));
  const { primary, reference } = stacksByRole(stacks);
  const evaluation = useWorkflow(wf, (s) => s.evaluation);
  const [refId, setRefId] = useState('');
  const [normalization, setNormalization] = useState<'percentile-affine' | 'none'>(primary?.meta.flavour === 'nifti' ? 'none' : 'percentile-affine');
  const [busy, setBusy] = useState(false);
  const plotRef = useRef<HTMLDivElement>(null);
  const referenceId = refId || reference?.stackId || '';
  const refInfo = stacks.find((s) => s.stackId === referenceId);
  // Scored: the noisy input and every result of the same size (previews hold one plane only).
  const scored = stacks.filter((s) => s.stackId !== referenceId && (s.role === 'primary' || (s.role === 'result' && !/\(preview/.test(s.name))));

  useEffect(() => {
    if (!plotRef.current || !evaluation) return;
    const traces: Trace[] = evaluation.scores.map((sc, i) => ({
      x: sc.perPlanePsnr.map((_, z) => z),
      y: sc.perPlanePsnr,
      name: i === 0 ? `${sc.name} (baseline)` : sc.name,
      mode: 'lines+markers',
      line: i === 0 ? { dash: 'dash', color: '#888' } : undefined,
    }));
    // A click on a point shows that plane in the viewer.
    const goTo = (z: number) => {
      const { viewer } = bindViewerToShell(workspace);
      viewer.setCursor({ ...viewer.get().cursor, z: Math.round(z) });
    };
    void drawPlot(
      plotRef.current,
      traces,
      { title: 'PSNR per plane (vs the reference)', xaxis: { title: 'plane (z index)' }, yaxis: { title: 'PSNR (dB)' } },
      { onClick: goTo },
    );
  }, [evaluation, workspace]);
  useEffect(() => () => purgePlot(plotRef.current), []);

  const run = async () => {
    if (!refInfo || scored.length === 0) return;
    setBusy(true);
    try {
      // The low exposure first: it is the baseline line of the plot.
      const ids = [...scored].sort((a, b) => (a.role === 'primary' ? -1 : b.role === 'primary' ? 1 : 0)).map((s) => s.stackId);
      const j = await runJob(api, 'evaluate', { referenceStackId: refInfo.stackId, stackIds: ids, normalization });
      const r = await j.done;
      const label = (id: string, name: string) => {
        const info = stacks.find((s) => s.stackId === id);
        return info ? stackLabel(info) : name;
      };
      wf.set({ evaluation: { referenceName: refInfo.name, normalization: r.normalization, scores: r.scores.map((sc) => ({ ...sc, name: label(sc.stackId, sc.name) })) } });
    } catch (e) {
      reportStartError(workspace, 'Evaluation', e);
    } finally {
      setBusy(false);
    }
  };

  const sideBySide = () => {
    const { viewer, layerOf } = bindViewerToShell(workspace);
    const denoised = [...stacks].reverse().find((s) => s.role === 'result' && !/\(preview/.test(s.name));
    const ids = [primary, denoised, refInfo].filter((s) => s !== undefined).map((s) => layerOf.get(s!.stackId)).filter((id): id is string => !!id);
    if (ids.length < 2) {
      workspace.notify('error', 'Side by side needs at least two of: low exposure, a denoised result, the reference');
      return;
    }
    viewer.setGrid(ids, 'xy');
    viewer.setMode('grid');
  };

  return (
    <div className="form" data-testid="evaluate-panel">
      <StackSelect testId="evaluate-reference" label="Reference (high exposure / clean)" stacks={stacks} value={referenceId} onChange={setRefId} allowNone />
      <label>
        Normalisation
        <select data-testid="evaluate-normalization" value={normalization} onChange={(e) => setNormalization(e.target.value as typeof normalization)}>
          <option value="percentile-affine">percentile + affine fit (microscopy)</option>
          <option value="none">none (MRI, vs clean)</option>
        </select>
      </label>
      <p>Scored: {scored.map(stackLabel).join(', ') || 'nothing yet'}</p>
      <button type="button" data-testid="evaluate-run" disabled={busy || !refInfo || scored.length === 0} onClick={() => void run()}>
        {busy ? 'Scoring…' : 'Evaluate'}
      </button>
      <button type="button" data-testid="evaluate-side-by-side" onClick={sideBySide}>
        Side by side: low | denoised | reference
      </button>
      {evaluation && (
        <table className="n2s-table" data-testid="evaluate-table">
          <thead>
            <tr>
              <th>stack</th>
              <th>PSNR</th>
              <th>SSIM</th>
              <th>NRMSE</th>
            </tr>
          </thead>
          <tbody>
            {evaluation.scores.map((s) => (
              <tr key={s.stackId}>
                <td title={s.name}>{s.name}</td>
                <td>{fmt(s.psnr, 2)}</td>
                <td>{fmt(s.ssim)}</td>
                <td>{fmt(s.nrmse)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div ref={plotRef} data-testid="evaluate-plot" />
    </div>
  );
}

export const panel: PanelDef = { id: 'evaluate', title: 'Evaluate', order: 40, Component: EvaluatePanel };
