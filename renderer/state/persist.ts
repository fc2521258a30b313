/**
 * Layer display state (never data) saved per session in localStorage, keyed by layer name, so
 * reopening a session restores contrast, colormap, order… when the same layers are added again.
 * Everything read back crosses a trust boundary (another version may have written it): zod-parsed,
 * and a record that does not parse is ignored rather than breaking the viewer.
 */
import { z } from 'zod';
import { COLORMAP_NAMES } from '../../shared/viewer/colormaps.ts';

export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export const LayerDisplaySchema = z.object({
  kind: z.enum(['image', 'labels']),
  visible: z.boolean(),
  opacity: z.number().min(0).max(1),
  blending: z.enum(['additive', 'translucent']),
  contrastLimits: z.tuple([z.number(), z.number()]).optional(),
  autoContrastPercentiles: z.tuple([z.number().min(0).max(100), z.number().min(0).max(100)]).optional(),
  gamma: z.number().positive().optional(),
  colormap: z.enum(COLORMAP_NAMES).optional(),
  contour: z.boolean().optional(),
  selectedLabel: z.number().int().nonnegative().nullable().optional(),
});
export type LayerDisplay = z.infer<typeof LayerDisplaySchema>;

export const SessionViewSchema = z.object({
  version: z.literal(1),
  layers: z.record(z.string(), LayerDisplaySchema),
  order: z.array(z.string()),
  mode: z.enum(['ortho', 'grid', 'swipe']),
  syncContrast: z.boolean(),
});
export type SessionView = z.infer<typeof SessionViewSchema>;

export function storageKey(sessionId: string): string {
  return `n2s.viewer.${sessionId}`;
}

export function loadSessionView(storage: KeyValueStorage | undefined, sessionId: string): SessionView | null {
  if (!storage) return null;
  const raw = storage.getItem(storageKey(sessionId));
  if (!raw) return null;
  try {
    const parsed = SessionViewSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function saveSessionView(storage: KeyValueStorage | undefined, sessionId: string, v: SessionView): void {
  storage?.setItem(storageKey(sessionId), JSON.stringify(v));
}

/** An in-memory KeyValueStorage for Node tests and when localStorage is unavailable. */
export function memoryStorage(): KeyValueStorage & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return { map, getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v) };
}
