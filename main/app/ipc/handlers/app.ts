import type { AppInfo } from '../../../../shared/ipc/app.ts';
import type { PartialHandlerMap } from '../handler.ts';

export function appHandlers(info: AppInfo): PartialHandlerMap<'app:info'> {
  return {
    'app:info': async () => info,
  };
}
