/**
 * The Electron-free core of the app: services, job runner, IPC dispatcher and event hub. Electron
 * (main/electron/) and the browser bridge (main/app/bridge/) each create one and connect their
 * transport to `dispatcher` and `events`; nothing here imports electron.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AppInfo } from '../../shared/ipc/app.ts';
import { EventHub } from './events.ts';
import type { DialogService } from './files/dialogs.ts';
import { PathPolicy } from './files/path-policy.ts';
import { RecentFiles } from './files/recent-files.ts';
import { createDispatcher, type Dispatcher } from './ipc/dispatcher.ts';
import { createHandlers } from './ipc/handlers/index.ts';
import type { MainServices } from './jobs/kind.ts';
import { JobRunner, type JobRunnerOptions } from './jobs/runner.ts';
import { consoleLogger, type Logger } from './log.ts';
import { assetsDataDir, Samples } from './stacks/samples.ts';
import { StackStore } from './stacks/stack-store.ts';
import { UiState } from './ui-state.ts';

export interface AppCoreOptions {
  mode: 'electron' | 'bridge';
  version: string;
  userDataDir: string;
  /** Folders whose files may be read without a dialog (the bridge's reach; samples are always added). */
  roots?: string[];
  dialogs?: DialogService | null;
  log?: Logger;
  jobs?: Partial<Omit<JobRunnerOptions, 'services' | 'events' | 'log'>>;
}

export interface AppCore {
  info: AppInfo;
  services: MainServices;
  events: EventHub;
  jobs: JobRunner;
  dialogs: DialogService | null;
  ui: UiState;
  dispatcher: Dispatcher;
  log: Logger;
  dispose(): Promise<void>;
}

export function createAppCore(opts: AppCoreOptions): AppCore {
  const log = opts.log ?? consoleLogger;
  const events = new EventHub();
  const outputDir = join(opts.userDataDir, 'outputs');
  mkdirSync(outputDir, { recursive: true });
  const paths = new PathPolicy([...(opts.roots ?? []), outputDir]);
  paths.allowRoot(assetsDataDir(), { readOnly: true });
  const services: MainServices = {
    stacks: new StackStore(events),
    paths,
    recent: new RecentFiles(opts.userDataDir, (list) => events.emit('files:recent-changed', list)),
    samples: new Samples(),
    outputDir,
  };
  // Files the user opened in an earlier session stay openable from File › Recent.
  for (const p of services.recent.list()) paths.allowFile(p);
  const jobs = new JobRunner({ services, events, log, ...opts.jobs });
  const info: AppInfo = {
    name: 'Noise2Stack Studio',
    version: opts.version,
    mode: opts.mode,
    platform: process.platform,
    userDataDir: opts.userDataDir,
    outputDir,
  };
  const partial = { info, services, events, jobs, dialogs: opts.dialogs ?? null, ui: new UiState(), log };
  const dispatcher = createDispatcher(createHandlers(partial), log);
  return { ...partial, dispatcher, dispose: () => jobs.dispose() };
}
