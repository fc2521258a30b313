/**
 * The time slider of hyperstacks (issue 18), beside the z slider. Moving it asks main to serve
 * time point t for every channel of each open time-lapse ('stack:set-time', so jobs started
 * afterwards use what is shown), then fetches each channel's planes of t and swaps them into its
 * layer. Only the latest move is applied when moves overlap. Memory: main holds the whole
 * hyperstack; the renderer holds one time point per channel.
 */
import { useEffect, useState } from 'react';
import type { Workspace as ShellWorkspace } from '../shell/workspace.ts';
import { useWorkspace } from '../shell/workspace.ts';
import { hyperstackGroups, replaceLayerData, timeLabel } from '../state/hyperstack.ts';
import { bindViewerToShell, fetchStackData } from './shellBinding.ts';
import { useViewerState } from './useViewer.ts';

const latest = new Map<string, number>();

/** Show time point `time` of a group in main and in the viewer's layers. */
export async function showTimePoint(ws: ShellWorkspace, groupId: string, time: number): Promise<void> {
  const seq = (latest.get(groupId) ?? 0) + 1;
  latest.set(groupId, seq);
  const infos = await ws.api.invoke('stack:set-time', { groupId, time });
  if (latest.get(groupId) !== seq) return;
  const data = await Promise.all(infos.map((info) => fetchStackData(ws.api, info)));
  if (latest.get(groupId) !== seq) return;
  const { viewer, layerOf } = bindViewerToShell(ws);
  infos.forEach((info, i) => {
    const layerId = layerOf.get(info.stackId);
    if (layerId) replaceLayerData(viewer, layerId, data[i]);
  });
  const byId = new Map(infos.map((i) => [i.stackId, i]));
  ws.set({ stacks: ws.snapshot.stacks.map((s) => byId.get(s.stackId) ?? s) });
}

/**
 * One slider for every open time-lapse (the input, its reference and its denoised result move
 * together, as napari's dims slider does); a group with fewer time points stays at its last.
 */
export function TimeSlider({ ws }: { ws: ShellWorkspace }) {
  const stacks = useWorkspace(ws, (s) => s.stacks);
  const groups = hyperstackGroups(stacks).filter((g) => g.times > 1);
  // The slider follows the hand at once; the layers follow when their planes have arrived.
  const [pending, setPending] = useState<number | null>(null);
  const { viewer, layerOf } = bindViewerToShell(ws);
  const layerCount = useViewerState(viewer, (s) => s.layers.length);
  // A group opened later (a reference, a result) joins the time point shown, once its layers exist
  // (their first planes may have been fetched before the change).
  const target = groups[0]?.time ?? 0;
  const behind = groups.filter((g) => g.time !== Math.min(target, g.times - 1) && g.stackIds.every((id) => layerOf.has(id)));
  const behindKey = behind.map((g) => g.groupId).join(',');
  useEffect(() => {
    if (pending !== null || !behindKey) return;
    for (const g of behind) void showTimePoint(ws, g.groupId, Math.min(target, g.times - 1)).catch(() => undefined);
    // behind is derived from behindKey, target and the layers
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [ws, behindKey, target, pending, layerCount]);
  if (groups.length === 0) return null;
  const times = Math.max(...groups.map((g) => g.times));
  const t = pending ?? target;
  const inc = groups.find((g) => g.timeIncrement)?.timeIncrement;
  const move = (time: number): void => {
    setPending(time);
    Promise.all(
      groups.map((g) =>
        showTimePoint(ws, g.groupId, Math.min(time, g.times - 1)).catch((e: unknown) =>
          ws.notify('error', `Could not show time point ${time + 1} of ${g.name}: ${e instanceof Error ? e.message : String(e)}`),
        ),
      ),
    ).finally(() => setPending((p) => (p === time ? null : p)));
  };
  return (
    // Its own width, left of the z slider (the plane sliders take the rest of the row and wrap there).
    <div className="n2s-navigation n2s-time-slider" data-testid="time-slider" style={{ flex: 'none' }}>
      <label title={`time point of ${groups.map((g) => g.name).join(', ')}`}>
        t
        <input type="range" min={0} max={times - 1} step={1} value={t} data-slider="t" onChange={(e) => move(Number(e.target.value))} />
        <span className="n2s-num" data-testid="time-label">
          {timeLabel(t, times, inc)}
        </span>
      </label>
    </div>
  );
}
