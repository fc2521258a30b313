/** Connects to main (Electron preload or loopback bridge), then shows the shell. */
import { useEffect, useState } from 'react';
import type { AppInfo } from '../shared/ipc/app.ts';
import { connectApi } from './api/client.ts';
import { ApiContext } from './api/context.ts';
import { Shell } from './shell/Shell.tsx';
import { Workspace } from './shell/workspace.ts';

export function App() {
  const [state, setState] = useState<{ ws: Workspace; info: AppInfo } | { error: string } | null>(null);
  useEffect(() => {
    let ws: Workspace | null = null;
    const lost = () => ws?.notify('error', 'Lost the connection to the app: the bridge server stopped. Restart it and reload this page.');
    connectApi(lost)
      .then(async (api) => {
        ws = new Workspace(api);
        setState({ ws, info: await api.invoke('app:info', {}) });
      })
      .catch((e: Error) => setState({ error: e.message }));
  }, []);
  if (!state) return <div className="splash">Connecting…</div>;
  if ('error' in state) {
    return (
      <div className="splash splash-error" role="alert">
        {state.error}
      </div>
    );
  }
  return (
    <ApiContext.Provider value={state.ws.api}>
      <Shell ws={state.ws} info={state.info} />
    </ApiContext.Provider>
  );
}
