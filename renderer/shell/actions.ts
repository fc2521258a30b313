/**
 * What the menu commands do, the same for native menus (Electron) and the in-app menu bar.
 */
import type { MenuCommand } from '../../shared/ipc/app.ts';
import type { StackRole } from '../../shared/ipc/stacks.ts';
import { runJob } from '../api/jobs.ts';
import type { Workspace } from './workspace.ts';

type OpenRole = Exclude<StackRole, 'result'>;

/** Opens a file (or a sample) as a stack through an 'open-stack' job; failures become notices. */
export async function openStack(
  ws: Workspace,
  source: { kind: 'file'; path: string } | { kind: 'sample'; id: string },
  role: OpenRole,
): Promise<void> {
  let job;
  try {
    job = await runJob(ws.api, 'open-stack', { source, role });
  } catch (e) {
    // Refused before it started (path not allowed, bad parameters).
    ws.notify('error', `Could not open: ${(e as Error).message}`);
    return;
  }
  // A failure of the job itself is reported by the workspace from the job's error event.
  await job.done.catch(() => undefined);
}

export async function chooseAndOpen(ws: Workspace, role: OpenRole): Promise<void> {
  const purpose = role === 'primary' ? 'stack' : role;
  const { paths, native } = await ws.api.invoke('files:choose-open', { purpose });
  if (!native) {
    ws.set({ openDialog: { role } });
    return;
  }
  for (const path of paths ?? []) await openStack(ws, { kind: 'file', path }, role);
}

/** showPanel returns false when no panel has that id (e.g. export before the export panel exists). */
export function runMenuCommand(ws: Workspace, cmd: MenuCommand, showPanel: (id: string) => boolean): void {
  switch (cmd.command) {
    case 'open-stack':
      void chooseAndOpen(ws, cmd.role);
      break;
    case 'open-path':
      void openStack(ws, { kind: 'file', path: cmd.path }, cmd.role);
      break;
    case 'export':
      if (!showPanel('export')) ws.notify('info', 'Export is not available in this build.');
      break;
    case 'view':
      if (!showPanel(cmd.view)) ws.notify('info', `No "${cmd.view}" panel in this build.`);
      break;
    case 'about':
      ws.notify('info', 'Noise2Stack Studio — self-supervised denoising of image stacks (Papkov et al., 2021)');
      break;
  }
}
