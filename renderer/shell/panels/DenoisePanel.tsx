/**
 * Built-in panel: denoise the active stack with a trained model folder. The workflow panels may
 * replace it (a plugged panel with id 'denoise').
 */
import { useState } from 'react';
import { TTA_AUTO_MAX_VOXELS } from '../../../shared/config/denoise.ts';
import { N2sError } from '../../../shared/ipc/api.ts';
import { runJob } from '../../api/jobs.ts';
import { PathField } from '../PathField.tsx';
import type { SlotProps } from '../slots.ts';
import { useWorkspace } from '../workspace.ts';

export function DenoisePanel({ api, workspace }: SlotProps) {
  const stack = useWorkspace(workspace, (s) => s.stacks.find((x) => x.stackId === s.activeStackId) ?? null);
  const [modelDir, setModelDir] = useState('');
  const [busy, setBusy] = useState(false);
  // Test-time ensembling: the workflow's automatic choice for this stack until the user ticks or unticks it.
  const [ttaChoice, setTtaChoice] = useState<boolean | null>(null);
  const tta = ttaChoice ?? (stack ? stack.depth * stack.height * stack.width <= TTA_AUTO_MAX_VOXELS : true);

  const run = async () => {
    if (!stack) return;
    setBusy(true);
    try {
      const job = await runJob(api, 'denoise', { stackId: stack.stackId, modelDir, tta });
      const result = await job.done;
      workspace.notify('info', `Denoised ${stack.name} → ${result.name}`);
    } catch (e) {
      // A cancel is the user's own doing; job failures already produced a notice from the job's
      // error event; failures to start did not.
      if (e instanceof N2sError && e.code === 'cancelled') return;
      if (!workspace.snapshot.notices.some((n) => n.message.includes((e as Error).message))) {
        workspace.notify('error', `Denoising failed: ${(e as Error).message}`);
      }
    } finally {
      setBusy(false);
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
      <p>
        Stack: <strong>{stack ? stack.name : 'none open'}</strong>
      </p>
      <label>
        Model folder
        <PathField api={api} value={modelDir} onChange={setModelDir} purpose="model" mode="open-dir" placeholder="/path/to/model" testId="denoise-model" />
      </label>
      <label title="average the predictions of the 8 rotations/flips of every tile: a little cleaner, 8× the inference time">
        <input type="checkbox" data-testid="denoise-tta" checked={tta} onChange={(e) => setTtaChoice(e.target.checked)} /> Test-time ensembling (×8)
      </label>
      <button type="submit" data-testid="denoise-run" disabled={!stack || !modelDir || busy}>
        Denoise
      </button>
    </form>
  );
}
