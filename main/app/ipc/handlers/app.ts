import type { AppInfo } from '../../../../shared/ipc/app.ts';
import type { UiState } from '../../ui-state.ts';
import type { PartialHandlerMap } from '../handler.ts';

export function appHandlers(info: AppInfo, ui: UiState): PartialHandlerMap<'app:info' | 'app:set-panels'> {
  return {
    'app:info': async () => info,
    'app:set-panels': async ({ panels }) => {
      ui.setPanels(panels);
      return {};
    },
  };
}
