/**
 * Hyperstack (issue 18): a multi-channel and/or time-lapse file opens as one layer per channel
 * (StackInfo.hyperstack, grouped). This panel works on a whole group: it lists the channels with
 * their colours, trains one model per channel on every time point, denoises every channel and time point with one model folder (a hyperstack model
 * folder gives each channel its own network) into a result group with the same channels, scores
 * every channel against a reference group (PSNR/SSIM rows per channel), and exports a group as ONE
 * file keeping channel names, colours, voxel size and time increment.
 */
import { useEffect, useRef, useState } from 'react';
import type { ChannelScores } from '../../shared/ipc/job-kinds/hyperstack.ts';
import type { StackInfo } from '../../shared/ipc/stacks.ts';
import { runJob } from '../api/jobs.ts';
import { PathField } from '../shell/PathField.tsx';
import type { PanelDef, SlotProps } from '../shell/slots.ts';
import { isPreviewStack, useWorkspace } from '../shell/workspace.ts';
import { formatVoxelSize } from '../state/format.ts';
import { channelDisplay, hyperstackGroups, type HyperstackGroup } from '../state/hyperstack.ts';
import { bindViewerToShell } from '../viewer/shellBinding.ts';
import { showTimePoint } from '../viewer/TimeSlider.tsx';
import { drawPlot, purgePlot, type Trace } from './plot.ts';
import { injectPanelStyles } from './common.tsx';
import { trainingConfigOf, useWorkflow, workflowOf } from './workflow-state.ts';

type Status = { state: 'idle' | 'running' | 'done' | 'error'; text: string };
type Format = 'imagej' | 'ome' | 'zarr';
type Dtype = 'float32' | 'uint16' | 'uint8' | 'source';

const EXT: Record<Format, string> = { imagej: '.tif', ome: '.ome.tif', zarr: '.zarr' };

/** Line colours of the channels in the plot, as their layers are drawn. */
const CSS_HUE: Partial<Record<string, string>> = { green: '#3ddc3d', magenta: '#e040e0', cyan: '#30d8e8', red: '#f04040', blue: '#5a7dff', gray: '#cccccc' };

function GroupSelect(props: { testId: string; label: string; groups: HyperstackGroup[]; value: string; onChange: (id: string) => void }) {
  return (
    <label>
      {props.label}
      <select data-testid={props.testId} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        {props.groups.map((g) => (
          <option key={g.groupId} value={g.groupId}>
            {g.name} ({g.channels} ch × {g.times} t)
          </option>
        ))}
      </select>
    </label>
  );
}

function ChannelTable({ group, stacks }: { group: HyperstackGroup; stacks: StackInfo[] }) {
  const members = group.stackIds.map((id) => stacks.find((s) => s.stackId === id)).filter((s): s is StackInfo => !!s);
  const first = members[0];
  return (
    <div data-testid="hyper-channels">
      <table className="n2s-table">
        <thead>
          <tr>
            <th>channel</th>
            <th>name</th>
            <th>colour</th>
          </tr>
        </thead>
        <tbody>
          {members.map((s) => (
            <tr key={s.stackId} data-channel={s.hyperstack?.channel}>
              <td>{s.hyperstack?.channel}</td>
              <td>{s.hyperstack?.channelName ?? '—'}</td>
              <td>{channelDisplay(s)?.colormap ?? 'gray'}{s.hyperstack?.color ? ` (#${s.hyperstack.color})` : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {first ? (
        <p className="n2s-muted">
          {group.times} time point{group.times === 1 ? '' : 's'} × {first.depth} planes of {first.height}×{first.width}, voxel {formatVoxelSize(first.meta.voxelSize)}
          {group.timeIncrement ? `, every ${group.timeIncrement.value} ${group.timeIncrement.unit}` : ''}
        </p>
      ) : null}
    </div>
  );
}

function HyperstackPanel({ api, workspace }: SlotProps) {
  injectPanelStyles();
  const stacks = useWorkspace(workspace, (s) => s.stacks).filter((s) => !isPreviewStack(s));
  const models = useWorkflow(workflowOf(workspace), (s) => s.models);
  const trainSettings = useWorkflow(workflowOf(workspace), (s) => s.train);
  const k = useWorkflow(workflowOf(workspace), (s) => s.k);
  const groups = hyperstackGroups(stacks);
  const roleOf = (g: HyperstackGroup) => stacks.find((s) => s.stackId === g.stackIds[0])?.role;
  const inputs = groups.filter((g) => roleOf(g) === 'primary' || roleOf(g) === 'second-copy');
  const references = groups.filter((g) => roleOf(g) === 'reference');
  const results = groups.filter((g) => roleOf(g) === 'result');

  const [inputId, setInputId] = useState('');
  const input = inputs.find((g) => g.groupId === inputId) ?? inputs[0];
  const [modelDir, setModelDir] = useState('');
  const wf = workflowOf(workspace);
  const [axis, setAxis] = useState<'z' | 't'>('z');
  const [channelsMode, setChannelsMode] = useState<'per-channel' | 'joint'>('per-channel');
  const [trained, setTrained] = useState<Status>({ state: 'idle', text: '' });
  const model = modelDir || (models.at(-1)?.modelDir ?? '');
  const [denoise, setDenoise] = useState<Status>({ state: 'idle', text: '' });

  const [exportId, setExportId] = useState('');
  const exportGroup = groups.find((g) => g.groupId === exportId) ?? results.at(-1) ?? input;
  const [format, setFormat] = useState<Format>('imagej');
  const [dtype, setDtype] = useState<Dtype>('float32');
  const [path, setPath] = useState('');
  const [overwrite, setOverwrite] = useState(false);
  const [exported, setExported] = useState<Status>({ state: 'idle', text: '' });

  const [referenceId, setReferenceId] = useState('');
  const reference = references.find((g) => g.groupId === referenceId) ?? references[0];
  const [scores, setScores] = useState<{ status: Status; rows: ChannelScores[] }>({ status: { state: 'idle', text: '' }, rows: [] });

  // PSNR per time point, a line per hyperstack and channel (the noisy input dashed); a click on a
  // point shows that time point.
  const plotRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!plotRef.current || scores.rows.length === 0) return;
    const colour = (r: ChannelScores): string | undefined => {
      const info = workspace.snapshot.stacks.find((s) => s.stackId === r.stackId);
      const map = info ? channelDisplay(info)?.colormap : undefined;
      return map ? CSS_HUE[map] : undefined;
    };
    const traces: Trace[] = scores.rows.map((r) => {
      const noisy = workspace.snapshot.stacks.find((s) => s.stackId === r.stackId)?.role !== 'result';
      return {
        x: r.perTimePsnr.map((_, t) => t + 1),
        y: r.perTimePsnr,
        name: `${r.name} · ${r.channelName ?? `channel ${r.channel}`}`,
        mode: 'lines+markers',
        line: { color: colour(r), dash: noisy ? 'dash' : 'solid' },
      };
    });
    const goTo = (t: number): void => {
      for (const g of hyperstackGroups(workspace.snapshot.stacks)) void showTimePoint(workspace, g.groupId, Math.min(Math.max(0, Math.round(t) - 1), g.times - 1)).catch(() => undefined);
    };
    void drawPlot(plotRef.current, traces, { title: 'PSNR per time point (vs the reference)', xaxis: { title: 'time point' }, yaxis: { title: 'PSNR (dB)' } }, { onClick: goTo });
  }, [scores.rows, workspace]);
  useEffect(() => () => purgePlot(plotRef.current), []);

  if (groups.length === 0) {
    return (
      <div className="form" data-testid="hyperstack-panel">
        <p className="n2s-muted">Open a multi-channel or time-lapse file: each channel becomes a layer in its colour, with a time slider beside the z slider. Here you then denoise and export the whole hyperstack.</p>
      </div>
    );
  }

  const acquisitionDtype = stacks.find((s) => s.stackId === input?.stackIds[0])?.meta.dtype;
  // One joint network needs several channels; it is Noise2Stack self-supervised on the CSBDeep U-Net.
  const joint = channelsMode === 'joint' && (input?.channels ?? 1) > 1;
  const trainWhat = joint ? `one network for all ${input?.channels ?? ''} channels` : 'one model per channel';
  /**
   * One model per channel (or one joint network) with the Train tab's settings and the Neighbours
   * tab's K (self-supervised methods only: a hyperstack has no second copy or clean reference per
   * channel here).
   */
  const runTrain = async (): Promise<void> => {
    if (!input) return;
    const t = wf.snapshot.train;
    const method = joint ? 'n2s' : t.method === 'n2v' || t.method === 'n2s-bs' ? t.method : 'n2s';
    const base = trainingConfigOf(t, { method, mode: 'self', neighbours: method === 'n2v' ? 0 : wf.snapshot.k }, false);
    const config = joint ? { ...base, arch: 'csbdeep' as const } : base;
    setTrained({ state: 'running', text: `training ${trainWhat}…` });
    try {
      // The Train tab's sizing: by time, one budget for the whole run (shared by the channels).
      const time = t.sizing === 'time' ? t.minutes * 60 : undefined;
      const j = await runJob(api, 'train-hyperstack', { stackId: input.stackIds[0], config, neighbourAxis: axis, channels: joint ? 'joint' : 'per-channel', time }, (info) => {
        if (info.state === 'running' && info.message) setTrained({ state: 'running', text: info.message });
      });
      const r = await j.done;
      setModelDir(r.modelDir);
      const entryName = (e: (typeof r.entries)[number]) => e.channels.map((c, i) => e.names?.[i] ?? `channel ${c}`).join(' + ');
      const per = r.entries.map((e) => `${entryName(e)}: ${e.verdict ?? `final loss ${e.finalLoss?.toFixed(4) ?? '—'}`}`);
      setTrained({ state: 'done', text: `Done in ${r.seconds.toFixed(1)} s: ${r.name} (${r.modelDir}). ${per.join(' ')}` });
    } catch (e) {
      setTrained({ state: 'error', text: `Failed: ${(e as Error).message}` });
    }
  };

  const runDenoise = async (): Promise<void> => {
    if (!input || !model) return;
    setDenoise({ state: 'running', text: 'denoising every channel and time point…' });
    try {
      const j = await runJob(api, 'denoise-hyperstack', { stackId: input.stackIds[0], modelDir: model }, (info) => {
        if (info.state === 'running' && info.message) setDenoise({ state: 'running', text: info.message });
      });
      const r = await j.done;
      setExportId(r.stacks[0].hyperstack?.groupId ?? '');
      // The denoised channels take the noisy ones' place in the view (additive layers would add up);
      // the noisy layers stay in the list, a click away.
      const { viewer, layerOf } = bindViewerToShell(workspace);
      for (const id of input.stackIds) {
        const layerId = layerOf.get(id);
        if (layerId) viewer.updateLayer(layerId, { visible: false });
      }
      setDenoise({ state: 'done', text: `Done: ${r.stacks.length} channel${r.stacks.length === 1 ? '' : 's'} × ${input.times} time point${input.times === 1 ? '' : 's'} in ${r.seconds.toFixed(1)} s (${r.models}, ${r.engine})` });
    } catch (e) {
      setDenoise({ state: 'error', text: `Failed: ${(e as Error).message}` });
    }
  };

  const runExport = async (): Promise<void> => {
    if (!exportGroup || !path) return;
    setExported({ state: 'running', text: 'writing…' });
    const d = dtype === 'source' ? (acquisitionDtype === 'uint8' || acquisitionDtype === 'uint16' || acquisitionDtype === 'float32' ? acquisitionDtype : 'float32') : dtype;
    try {
      const j = await runJob(api, 'export-hyperstack', { stackId: exportGroup.stackIds[0], path, format, dtype: d, overwrite });
      const r = await j.done;
      setExported({ state: 'done', text: `Done: ${r.path} — ${r.channels} channel${r.channels === 1 ? '' : 's'} × ${r.times} time point${r.times === 1 ? '' : 's'}, ${r.dtype}, ${(r.bytes / 1e6).toFixed(2)} MB${r.notes.length ? `; ${r.notes.join('; ')}` : ''}` });
    } catch (e) {
      setExported({ state: 'error', text: `Failed: ${(e as Error).message}` });
    }
  };

  const runScores = async (): Promise<void> => {
    if (!reference) return;
    const scored = [...inputs, ...results];
    setScores({ status: { state: 'running', text: 'scoring every channel and time point…' }, rows: [] });
    try {
      const j = await runJob(api, 'evaluate-hyperstack', { referenceStackId: reference.stackIds[0], stackIds: scored.map((g) => g.stackIds[0]) });
      const r = await j.done;
      setScores({ status: { state: 'done', text: `Scored against ${reference.name} (${r.normalization}); PSNR and SSIM are means over time points and planes.` }, rows: r.rows });
    } catch (e) {
      setScores({ status: { state: 'error', text: `Failed: ${(e as Error).message}` }, rows: [] });
    }
  };

  const safeName = (exportGroup?.name ?? 'hyperstack').replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '');
  return (
    <div className="form" data-testid="hyperstack-panel">
      {input ? (
        <form
          data-testid="hyper-denoise-form"
          onSubmit={(e) => {
            e.preventDefault();
            void runDenoise();
          }}
        >
          <GroupSelect testId="hyper-input" label="Hyperstack" groups={inputs} value={input.groupId} onChange={setInputId} />
          <ChannelTable group={input} stacks={stacks} />
          <h4>Train {trainWhat}</h4>
          <p className="n2s-muted">
            Every time point is training data. Settings of the Train tab (
            {trainSettings.sizing === 'time'
              ? `a time budget of ${trainSettings.minutes} min for the whole run${joint ? '' : `, shared by the ${input.channels} channels`}`
              : `${trainSettings.epochs} × ${trainSettings.stepsPerEpoch} steps${joint ? '' : ' per channel'}`}
            , width {trainSettings.widthScale}); K = {k} from the Neighbours tab.
          </p>
          {input.channels > 1 ? (
            <label>
              Channels
              <select data-testid="hyper-channels-mode" value={channelsMode} onChange={(e) => setChannelsMode(e.target.value as 'per-channel' | 'joint')}>
                <option value="per-channel">one model per channel</option>
                <option value="joint">one joint network</option>
              </select>
              <span className="n2s-muted">
                {joint
                  ? 'All channels in, one plane per channel out (Noise2Stack self-supervised, CSBDeep U-Net): a channel may borrow structure from another.'
                  : 'Each channel learns from itself only: no bleed-through between channels.'}
              </span>
            </label>
          ) : null}
          <label>
            Neighbours along
            <select data-testid="hyper-axis" value={axis} onChange={(e) => setAxis(e.target.value as 'z' | 't')}>
              <option value="z">z (planes of each time point)</option>
              <option value="t" disabled={input.times < 3}>t (frames: a static field over time)</option>
            </select>
          </label>
          <button type="button" data-testid="hyper-train" disabled={trained.state === 'running'} onClick={() => void runTrain()}>
            Train {trainWhat}
          </button>
          <p data-testid="hyper-train-status" data-state={trained.state} role={trained.state === 'error' ? 'alert' : undefined}>
            {trained.text}
          </p>
          <h4>Denoise the whole hyperstack</h4>
          <label>
            Model folder (one model, or a hyperstack model: per channel or joint)
            <PathField api={api} value={model} onChange={setModelDir} purpose="model" mode="open-dir" placeholder="/path/to/model" testId="hyper-model" />
          </label>
          <button type="submit" data-testid="hyper-denoise" disabled={!model || denoise.state === 'running'}>
            Denoise every channel and time point
          </button>
          <p data-testid="hyper-denoise-status" data-state={denoise.state} role={denoise.state === 'error' ? 'alert' : undefined}>
            {denoise.text}
          </p>
        </form>
      ) : null}
      {reference && inputs.length + results.length > 0 ? (
        <form
          data-testid="hyper-evaluate-form"
          onSubmit={(e) => {
            e.preventDefault();
            void runScores();
          }}
        >
          <h4>Score per channel</h4>
          <GroupSelect testId="hyper-reference" label="Reference (high exposure)" groups={references} value={reference.groupId} onChange={setReferenceId} />
          <button type="submit" data-testid="hyper-evaluate" disabled={scores.status.state === 'running'}>
            Score every channel against the reference
          </button>
          <p data-testid="hyper-evaluate-status" data-state={scores.status.state} role={scores.status.state === 'error' ? 'alert' : undefined}>
            {scores.status.text}
          </p>
          {scores.rows.length > 0 ? (
            <table className="n2s-table" data-testid="hyper-scores">
              <thead>
                <tr>
                  <th>hyperstack</th>
                  <th>channel</th>
                  <th>PSNR dB</th>
                  <th>SSIM</th>
                  <th>PSNR per time point</th>
                </tr>
              </thead>
              <tbody>
                {scores.rows.map((r) => (
                  <tr key={`${r.stackId}-${r.channel}`} data-channel={r.channel} data-stack={r.stackId}>
                    <td>{r.name}</td>
                    <td>{r.channelName ?? r.channel}</td>
                    <td>{r.psnr.toFixed(2)}</td>
                    <td>{r.ssim.toFixed(3)}</td>
                    <td>{r.perTimePsnr.map((v) => v.toFixed(1)).join(', ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
          <div ref={plotRef} data-testid="hyper-scores-plot" data-points={scores.rows.reduce((n, r) => n + r.perTimePsnr.length, 0)} style={scores.rows.length ? { minHeight: 260 } : undefined} />
        </form>
      ) : null}
      {exportGroup ? (
        <form
          data-testid="hyper-export-form"
          onSubmit={(e) => {
            e.preventDefault();
            void runExport();
          }}
        >
          <h4>Export as one file</h4>
          <GroupSelect testId="hyper-export-group" label="Hyperstack" groups={groups} value={exportGroup.groupId} onChange={setExportId} />
          <label>
            Format
            <select data-testid="hyper-export-format" value={format} onChange={(e) => setFormat(e.target.value as Format)}>
              <option value="imagej">ImageJ hyperstack (.tif)</option>
              <option value="ome">OME-TIFF (.ome.tif)</option>
              <option value="zarr">OME-Zarr (.zarr)</option>
            </select>
          </label>
          <label>
            File
            <PathField api={api} value={path} onChange={setPath} purpose="export" mode="save" defaultName={`${safeName}${EXT[format]}`} placeholder={`/path/to/${safeName}${EXT[format]}`} testId="hyper-export-path" />
          </label>
          <label>
            Data type
            <select data-testid="hyper-export-dtype" value={dtype} onChange={(e) => setDtype(e.target.value as Dtype)}>
              <option value="float32">float32</option>
              <option value="uint16">uint16 (rounded, clipped)</option>
              <option value="uint8">uint8 (rounded, clipped)</option>
              <option value="source">as the acquisition{acquisitionDtype ? ` (${acquisitionDtype})` : ''}</option>
            </select>
          </label>
          <label className="n2s-check">
            <input type="checkbox" data-testid="hyper-export-overwrite" checked={overwrite} onChange={(e) => setOverwrite(e.target.checked)} /> replace an existing file (never an input)
          </label>
          <button type="submit" data-testid="hyper-export" disabled={!path || exported.state === 'running'}>
            Export every channel and time point
          </button>
          <p data-testid="hyper-export-status" data-state={exported.state} role={exported.state === 'error' ? 'alert' : undefined}>
            {exported.text}
          </p>
        </form>
      ) : null}
    </div>
  );
}

export const panel: PanelDef = { id: 'hyperstack', title: 'Hyperstack', order: 55, Component: HyperstackPanel };
