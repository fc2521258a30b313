/**
 * Neighbour configuration (issue 7): mode (copy-supervised only with a second noisy copy open),
 * K, the interactive diagram of which planes feed the network, the plane-similarity plot that
 * justifies K (SSIM at distance 1…5 in a worker job).
 */
import { useEffect, useRef, useState } from 'react';
import { runJob } from '../api/jobs.ts';
import type { PanelDef, SlotProps } from '../shell/slots.ts';
import { useWorkspace } from '../shell/workspace.ts';
import { bindViewerToShell } from '../viewer/shellBinding.ts';
import { NumberField, isImage, reportStartError, stacksByRole, injectPanelStyles } from './common.tsx';
import { NeighbourDiagram } from './NeighbourDiagram.tsx';
import { maxKFor, trainFitProblems } from '../../shared/config/train-fit-check.ts';
import { drawPlot, purgePlot } from './plot.ts';
import { useWorkflow, workflowOf } from './workflow-state.ts';

function NeighboursPanel({ api, workspace }: SlotProps) {
  injectPanelStyles();
  const wf = workflowOf(workspace);
  const stacks = useWorkspace(workspace, (s) => s.stacks);
  const { primary, copy } = stacksByRole(stacks.filter(isImage));
  const mode = useWorkflow(wf, (s) => s.mode);
  const k = useWorkflow(wf, (s) => s.k);
  const chosen = useWorkflow(wf, (s) => s.plane);
  const depth = primary?.depth ?? 0;
  const target = Math.min(Math.max(0, chosen ?? Math.floor(depth / 2)), Math.max(0, depth - 1));
  const [similarity, setSimilarity] = useState<{ distances: number[]; mean: number[] } | null>(null);
  const [busy, setBusy] = useState(false);
  const [suggestion, setSuggestion] = useState<{ state: 'running' | 'done' | 'error'; text: string } | null>(null);
  const plotRef = useRef<HTMLDivElement>(null);

  // Follow the viewer's cursor plane, so the diagram shows the plane the user looks at.
  useEffect(() => {
    const viewer = bindViewerToShell(workspace).viewer;
    let last = viewer.get().cursor.z;
    return viewer.subscribe(() => {
      const z = viewer.get().cursor.z;
      if (z !== last) {
        last = z;
        wf.set({ plane: z });
      }
    });
  }, [workspace, wf]);

  useEffect(() => {
    if (!copy && mode === 'copy') wf.set({ mode: 'self', k: Math.max(1, k) });
  }, [copy, mode, k, wf]);

  useEffect(() => {
    if (!similarity || !plotRef.current) return;
    void drawPlot(
      plotRef.current,
      [{ x: similarity.distances, y: similarity.mean, name: 'mean SSIM', mode: 'lines+markers' }],
      { title: 'Plane similarity', xaxis: { title: 'distance between planes (planes)' }, yaxis: { title: 'mean SSIM (0–1)' }, showlegend: false },
    );
  }, [similarity]);
  useEffect(() => () => purgePlot(plotRef.current), []);

  const computeSimilarity = async () => {
    if (!primary) return;
    setBusy(true);
    try {
      const job = await runJob(api, 'similarity', { stackId: primary.stackId, maxDistance: 5 });
      setSimilarity(await job.done);
    } catch (e) {
      reportStartError(workspace, 'Plane similarity', e);
    } finally {
      setBusy(false);
    }
  };

  const suggestK = async () => {
    if (!primary) return;
    setSuggestion({ state: 'running', text: 'training short runs for K = 1, 2, 3…' });
    try {
      const job = await runJob(api, 'autok', { stackId: primary.stackId, candidates: [1, 2, 3].filter((c) => primary.depth >= c + 2) });
      const r = await job.done;
      wf.set({ mode: 'self', k: r.best });
      setSuggestion({ state: 'done', text: `Suggested K = ${r.best} (held-out loss ${r.curve.map((p) => `K=${p.k}: ${p.heldOutLoss.toPrecision(4)}`).join(', ')})` });
    } catch (e) {
      setSuggestion({ state: 'error', text: `Suggest K failed: ${(e as Error).message}` });
    }
  };

  // Checked here, where K is chosen, not first at Start (patch size is the Train panel's business).
  const kProblem = trainFitProblems(primary ?? { depth: 0, height: 1e9, width: 1e9 }, { method: 'n2s', mode, neighbours: k, patch: 8 })[0] ?? null;
  if (!primary) return <p data-testid="neighbours-panel">Open a noisy stack first (File › Open stack…).</p>;
  return (
    <div className="form" data-testid="neighbours-panel">
      <fieldset>
        <legend>Mode</legend>
        <label className="n2s-check">
          <input type="radio" name="n2s-mode" data-testid="mode-self" checked={mode === 'self'} onChange={() => wf.set({ mode: 'self', k: Math.max(1, k) })} /> self-supervised (one noisy stack)
        </label>
        <label className="n2s-check" title={copy ? '' : 'open a second, independently noisy copy to enable'}>
          <input type="radio" name="n2s-mode" data-testid="mode-copy" disabled={!copy} checked={mode === 'copy'} onChange={() => wf.set({ mode: 'copy' })} /> copy-supervised
          {copy ? ` (with ${copy.name})` : ' (needs a second noisy copy)'}
        </label>
      </fieldset>
      <NumberField testId="neighbours-k" label={`Neighbours per side, K (at most ${maxKFor(depth, mode)} for ${depth} planes)`} value={k} min={mode === 'self' ? 1 : 0} max={maxKFor(depth, mode)} onChange={(v) => Number.isInteger(v) && wf.set({ k: v })} />
      {kProblem && (
        <p className="n2s-problem" data-testid="neighbours-problem" role="alert">
          {kProblem}
        </p>
      )}
      <button type="button" data-testid="suggest-k" disabled={suggestion?.state === 'running'} onClick={() => void suggestK()}>
        Suggest K
      </button>
      {suggestion && (
        <p data-testid="suggest-k-result" data-state={suggestion.state}>
          {suggestion.text}
        </p>
      )}
      <NumberField testId="neighbours-plane" label={`Target plane (0…${depth - 1})`} value={target} min={0} max={depth - 1} onChange={(v) => Number.isInteger(v) && wf.set({ plane: v })} />
      <NeighbourDiagram depth={depth} target={target} mode={mode} k={k} onSelect={(z) => wf.set({ plane: z })} />
      <button type="button" data-testid="similarity-run" disabled={busy} onClick={() => void computeSimilarity()}>
        {busy ? 'Computing…' : 'Plane similarity (SSIM, distance 1…5)'}
      </button>
      {similarity && (
        <p data-testid="similarity-values">
          {similarity.distances.map((d, i) => `d=${d}: ${similarity.mean[i]!.toFixed(3)}`).join(', ')}
        </p>
      )}
      <div ref={plotRef} data-testid="similarity-plot" />
    </div>
  );
}

export const panel: PanelDef = { id: 'neighbours', title: 'Neighbours', order: 20, Component: NeighboursPanel };
