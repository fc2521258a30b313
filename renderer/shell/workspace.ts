/**
 * The shell's state: open stacks (mirrored from main's events), jobs, notices (errors shown to the
 * user), which stack is active and whether the in-app open dialog is up. A tiny external store
 * (subscribe/getSnapshot) so React reads it with useSyncExternalStore and panels/viewer can
 * subscribe without the shell re-rendering them.
 */
import { useSyncExternalStore } from 'react';
import type { N2sApi } from '../../shared/ipc/api.ts';
import type { JobInfo } from '../../shared/ipc/jobs.ts';
import type { StackInfo, StackRole } from '../../shared/ipc/stacks.ts';
import { notifyAll } from '../state/store.ts';

export interface Notice {
  id: number;
  level: 'error' | 'info';
  message: string;
}

export interface WorkspaceState {
  stacks: StackInfo[];
  activeStackId: string | null;
  jobs: JobInfo[];
  notices: Notice[];
  /** Non-null while the in-app open dialog is shown (browser mode), with the role to open as. */
  openDialog: { role: Exclude<StackRole, 'result'> } | null;
  /** Help › Keyboard shortcuts is shown. */
  shortcuts: boolean;
}

/**
 * A live-preview stack of a running training (one plane filled): shown as an inset by the viewer,
 * never as a layer, and never offered as a stack to denoise, score, segment or export.
 */
export function isPreviewStack(s: StackInfo): boolean {
  return /^live preview/.test(s.meta.description ?? '') || /\(preview\b/.test(s.name);
}

const INFO_SECONDS = 8;

export class Workspace {
  private state: WorkspaceState = { stacks: [], activeStackId: null, jobs: [], notices: [], openDialog: null, shortcuts: false };
  private listeners = new Set<() => void>();
  private nextNotice = 1;

  constructor(readonly api: N2sApi) {
    api.on('stack:added', (info) =>
      this.set({ stacks: [...this.state.stacks.filter((s) => s.stackId !== info.stackId), info], activeStackId: info.stackId }),
    );
    api.on('stack:removed', ({ stackId }) => {
      const stacks = this.state.stacks.filter((s) => s.stackId !== stackId);
      const active = this.state.activeStackId === stackId ? (stacks.at(-1)?.stackId ?? null) : this.state.activeStackId;
      this.set({ stacks, activeStackId: active });
    });
    api.on('job:update', (info) => {
      const jobs = this.state.jobs.filter((j) => j.jobId !== info.jobId);
      this.set({ jobs: [...jobs, info].sort((a, b) => a.startedAt - b.startedAt) });
      if (info.state === 'error' && info.error) this.notify('error', `${jobTitle(info.kind)} failed: ${info.error.message}`);
    });
    void api.invoke('stack:list', {}).then((stacks) => this.set({ stacks, activeStackId: stacks.at(-1)?.stackId ?? null }));
    void api.invoke('jobs:list', {}).then((jobs) => this.set({ jobs }));
  }

  get snapshot(): WorkspaceState {
    return this.state;
  }

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  set(patch: Partial<WorkspaceState>): void {
    this.state = { ...this.state, ...patch };
    notifyAll([...this.listeners], (l) => l());
  }

  /** Errors stay until dismissed; information goes away by itself after a while. */
  notify(level: Notice['level'], message: string): void {
    const id = this.nextNotice++;
    this.set({ notices: [...this.state.notices, { id, level, message }] });
    if (level === 'info') setTimeout(() => this.dismiss(id), INFO_SECONDS * 1000);
  }

  dismiss(id: number): void {
    this.set({ notices: this.state.notices.filter((n) => n.id !== id) });
  }

  activeStack(): StackInfo | null {
    return this.state.stacks.find((s) => s.stackId === this.state.activeStackId) ?? null;
  }
}

export function useWorkspace<T>(ws: Workspace, select: (s: WorkspaceState) => T): T {
  return useSyncExternalStore(ws.subscribe, () => select(ws.snapshot));
}

export function jobTitle(kind: string): string {
  const titles: Record<string, string> = {
    'open-stack': 'Opening the stack',
    denoise: 'Denoising',
    'denoise-hyperstack': 'Denoising every channel and time point',
    'export-hyperstack': 'Exporting the hyperstack',
    'evaluate-hyperstack': 'Scoring every channel',
  };
  return titles[kind] ?? kind;
}
