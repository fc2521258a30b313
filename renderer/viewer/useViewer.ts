/** React bindings of the viewer store and the shared renderer. */
import { createContext, useContext, useSyncExternalStore } from 'react';
import type { ViewerState, ViewerStore } from '../state/layers.ts';
import type { ViewerRenderer } from './gpu/ViewerRenderer.ts';

export function useViewerState<T>(viewer: ViewerStore, select: (s: ViewerState) => T): T {
  return useSyncExternalStore(viewer.subscribe, () => select(viewer.get()));
}

export const RendererContext = createContext<ViewerRenderer | null>(null);
export const useRenderer = (): ViewerRenderer | null => useContext(RendererContext);
