/**
 * What main knows about the renderer's UI: the panels it shows (for the native View menu).
 */
import type { PanelRef } from '../../shared/ipc/app.ts';

export class UiState {
  private current: PanelRef[] = [];
  private listeners = new Set<(panels: PanelRef[]) => void>();

  get panels(): PanelRef[] {
    return [...this.current];
  }

  setPanels(panels: PanelRef[]): void {
    this.current = [...panels];
    for (const l of this.listeners) l(this.panels);
  }

  onPanels(listener: (panels: PanelRef[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
