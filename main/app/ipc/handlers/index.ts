/**
 * All IPC handlers, one map per domain. A new domain adds its handlers file and one spread line;
 * createDispatcher refuses to start if a contract channel has no handler.
 */
import type { AppCore } from '../../core.ts';
import type { HandlerMap } from '../handler.ts';
import { appHandlers } from './app.ts';
import { fileHandlers } from './files.ts';
import { jobHandlers } from './jobs.ts';
import { stackHandlers } from './stacks.ts';

export function createHandlers(core: Omit<AppCore, 'dispatcher' | 'dispose'>): HandlerMap {
  return {
    ...appHandlers(core.info, core.ui),
    ...stackHandlers(core.services.stacks, core.services.samples),
    ...jobHandlers(core.jobs),
    ...fileHandlers(core.services.paths, core.services.recent, core.dialogs, core.services.outputDir),
  };
}
