/**
 * All IPC handlers, one map per domain. A new domain adds its handlers file and one spread line;
 * createDispatcher refuses to start if a contract channel has no handler.
 */
import type { AppInfo } from '../../../../shared/ipc/app.ts';
import type { DialogService } from '../../files/dialogs.ts';
import type { MainServices } from '../../jobs/kind.ts';
import type { JobRunner } from '../../jobs/runner.ts';
import type { UiState } from '../../ui-state.ts';
import type { HandlerMap } from '../handler.ts';
import { appHandlers } from './app.ts';
import { fileHandlers } from './files.ts';
import { jobHandlers } from './jobs.ts';
import { stackHandlers } from './stacks.ts';

/**
 * What the handlers use of the app core. Declared here, not imported from core.ts, so that core.ts
 * (which creates the handlers) and this module do not import each other.
 */
export interface HandlerServices {
  info: AppInfo;
  services: MainServices;
  jobs: JobRunner;
  dialogs: DialogService | null;
  ui: UiState;
}

export function createHandlers(core: HandlerServices): HandlerMap {
  return {
    ...appHandlers(core.info, core.ui),
    ...stackHandlers(core.services.stacks, core.services.samples),
    ...jobHandlers(core.jobs),
    ...fileHandlers(core.services.paths, core.services.recent, core.dialogs, core.services.outputDir),
  };
}
