/**
 * Denoise, the step after Train: the noisy acquisition (never a preview, a result or labels) with
 * the model trained last in this session selected, or any model folder; the chosen model saved
 * where the user says with one click. Replaces the shell's built-in Denoise panel.
 */
import { useState } from 'react';
import { TTA_AUTO_MAX_VOXELS } from '../../shared/config/denoise.ts';
import { createPortal } from 'react-dom';
import { N2sError } from '../../shared/ipc/api.ts';
import { runJob } from '../api/jobs.ts';
import { PathChooser, PathField } from '../shell/PathField.tsx';
import type { PanelDef, SlotProps } from '../shell/slots.ts';
import { isPreviewStack, useWorkspace } from '../shell/workspace.ts';
import { StackSelect, injectPanelStyles, isImage, reportStartError } from './common.tsx';
import { useWorkflow, workflowOf, type ModelEntry } from './workflow-state.ts';

const FOLDER = '__folder__';

/** A model as listed: its name, and when it was trained (names alone may repeat across runs). */
function modelLabel(m: ModelEntry): string {
  if (m.loaded || !m.trainedAt) return `${m.name} (folder)`;
  return m.name;
}

function DenoisePanel({ api, workspace }: SlotProps) {
  injectPanelStyles();
  const wf = workflowOf(workspace);
  const stacks = useWorkspace(workspace, (s) => s.stacks);
  const models = useWorkflow(wf, (s) => s.models);
  // Acquisitions only: what the user opened, not what a job produced.
  const acquisitions = stacks.filter((s) => isImage(s) && !isPreviewStack(s) && s.role !== 'result');
  const copy = acquisitions.find((s) => s.role === 'second-copy');
  const [stackChoice, setStackChoice] = useState('');
  const [modelChoice, setModelChoice] = useState('');
  const [folder, setFolder] = useState('');
  const [choosing, setChoosing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState('');
  const stackId = acquisitions.some((s) => s.stackId === stackChoice) ? stackChoice : (acquisitions.find((s) => s.role === 'primary') ?? acquisitions[0])?.stackId ?? '';
  const stack = acquisitions.find((s) => s.stackId === stackId);
  // Test-time ensembling: the workflow's automatic choice for this stack until the user ticks or unticks it.
  const [ttaChoice, setTtaChoice] = useState<boolean | null>(null);
  const tta = ttaChoice ?? (stack ? stack.depth * stack.height * stack.width <= TTA_AUTO_MAX_VOXELS : true);
  const newest = [...models].reverse()[0];
  const choice = modelChoice === FOLDER || models.some((m) => m.modelDir === modelChoice) ? modelChoice : (newest?.modelDir ?? FOLDER);
  const modelDir = choice === FOLDER ? folder : choice;
  const model = models.find((m) => m.modelDir === modelDir);

  const run = async () => {
    if (!stack || !modelDir) return;
    setBusy(true);
    setStatus('denoising…');
    try {
      const copyMode = model?.summary?.layout.mode === 'copy';
      const t0 = performance.now();
      const job = await runJob(api, 'denoise', { stackId: stack.stackId, modelDir, copyStackId: copyMode ? copy?.stackId : undefined, tta });
      const result = await job.done;
      wf.set({ timings: { ...wf.snapshot.timings, denoising: (performance.now() - t0) / 1000 } });
      setStatus(`done: ${result.name}`);
      workspace.notify('info', `Denoised ${stack.name} → ${result.name}`);
    } catch (e) {
      setStatus('');
      // A cancel is the user's own doing; job failures already produced a notice.
      if (e instanceof N2sError && e.code === 'cancelled') return;
      reportStartError(workspace, 'Denoising', e);
    } finally {
      setBusy(false);
    }
  };

  const defaultName = (model?.name ?? 'model').replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || 'model';
  /** One click: the save dialog (native, or the in-app one in the browser), then the copy. */
  const chooseSave = async () => {
    const r = await api.invoke('files:choose-save', { purpose: 'model', defaultName });
    if (!r.native) setChoosing(true);
    else if (r.path) void save(r.path);
  };

  const save = async (path: string) => {
    if (!path || !modelDir) return;
    try {
      const j = await runJob(api, 'export', { what: 'model', modelDir, path });
      const r = await j.done;
      setStatus(`model saved to ${r.path}`);
      workspace.notify('info', `Model saved to ${r.path}`);
    } catch (e) {
      reportStartError(workspace, 'Saving the model', e);
    }
  };

  return (
    <form
      className="form"
      data-testid="denoise-panel"
      onSubmit={(e) => {
        e.preventDefault();
        void run();
      }}
    >
      <StackSelect testId="denoise-stack" label="Noisy stack" stacks={acquisitions} value={stackId} onChange={setStackChoice} />
      <label>
        Model
        <select data-testid="denoise-model-select" value={choice} title={model ? modelLabel(model) : undefined} onChange={(e) => setModelChoice(e.target.value)}>
          {[...models].reverse().map((m) => (
            <option key={m.modelDir} value={m.modelDir} title={m.modelDir}>
              {modelLabel(m)}
            </option>
          ))}
          <option value={FOLDER}>a model folder…</option>
        </select>
      </label>
      {choice === FOLDER && (
        <label>
          Model folder
          <PathField api={api} value={folder} onChange={setFolder} purpose="model" mode="open-dir" placeholder="/path/to/model" testId="denoise-model" />
        </label>
      )}
      {model?.summary && (
        <p className="n2s-muted" data-testid="denoise-model-info">
          {model.summary.config.method} {model.summary.layout.mode}-supervised K={model.summary.layout.k}, trained {model.summary.history.length} epoch(s)
          {model.summary.cancelled ? ' (stopped early)' : ''}
          {model.summary.verdict ? `. ${model.summary.verdict.sentence}` : ''}
        </p>
      )}
      <label className="n2s-check" title="average the predictions of the 8 rotations/flips of every tile: a little cleaner, 8× the inference time">
        <input type="checkbox" data-testid="denoise-tta" checked={tta} onChange={(e) => setTtaChoice(e.target.checked)} /> Test-time ensembling (×8)
      </label>
      <button type="submit" className="primary" data-testid="denoise-run" disabled={!stack || !modelDir || busy}>
        Denoise
      </button>
      <p data-testid="denoise-status">{status}</p>
      <button type="button" data-testid="denoise-save-model" disabled={!modelDir} title="copy the model folder (config.json and weights) where you choose" onClick={() => void chooseSave()}>
        Save model as…
      </button>
      {choosing &&
        createPortal(
          <PathChooser
            api={api}
            mode="save"
            defaultName={defaultName}
            onDone={(p) => {
              setChoosing(false);
              if (p) void save(p);
            }}
          />,
          document.body,
        )}
    </form>
  );
}

export const panel: PanelDef = { id: 'denoise', title: 'Denoise', order: 35, Component: DenoisePanel };
