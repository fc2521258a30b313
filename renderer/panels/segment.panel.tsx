/**
 * Segmentation (issue 8): run the built-in nuclei segmentation (or a tfjs model) on any image stack
 * — low exposure, each denoised result, high exposure — each result a labels layer over the image;
 * toggle and export the labels, import a labels TIFF; compare: counts per plane for every source
 * and, against the reference's labels, Dice and object F1 at IoU 0.5 (table and per-plane plot).
 */
import { useEffect, useRef, useState } from 'react';
import type { SegmentationOptionsInput } from '../../shared/segmentation/options.ts';
import { runJob } from '../api/jobs.ts';
import type { PanelDef, SlotProps } from '../shell/slots.ts';
import { isPreviewStack, useWorkspace } from '../shell/workspace.ts';
import { bindViewerToShell } from '../viewer/shellBinding.ts';
import { useViewerState } from '../viewer/useViewer.ts';
import { NumberField, StackSelect, fmt, isImage, reportStartError, injectPanelStyles } from './common.tsx';
import { drawPlot, purgePlot, type Trace } from './plot.ts';
import { useWorkflow, workflowOf, type SegmentationEntry, type SegmentSettings } from './workflow-state.ts';

function SegmentPanel({ api, workspace }: SlotProps) {
  injectPanelStyles();
  const wf = workflowOf(workspace);
  const { viewer, layerOf } = bindViewerToShell(workspace);
  const stacks = useWorkspace(workspace, (s) => s.stacks);
  const active = useWorkspace(workspace, (s) => s.activeStackId);
  const layers = useViewerState(viewer, (s) => s.layers);
  const results = useWorkflow(wf, (s) => s.segmentations);
  const images = stacks.filter((s) => isImage(s) && !isPreviewStack(s));
  const labelStacks = stacks.filter((s) => s.meta.labels);
  const [source, setSource] = useState('');
  const [refLabels, setRefLabels] = useState('');
  // Settings live in the workspace state: kept across tabs and reloads.
  const seg = useWorkflow(wf, (s) => s.segment);
  const setSeg = (patch: Partial<SegmentSettings>) => wf.set({ segment: { ...wf.snapshot.segment, ...patch } });
  const { threshold, split, fill, threeD } = seg;
  const o = { sigma: seg.sigma, minSize: seg.minSize, h: seg.h };
  const setThreshold = (threshold: SegmentSettings['threshold']) => setSeg({ threshold });
  const setO = (v: { sigma: number; minSize: number; h: number }) => setSeg(v);
  const setSplit = (split: boolean) => setSeg({ split });
  const setFill = (fill: boolean) => setSeg({ fill });
  const setThreeD = (threeD: boolean) => setSeg({ threeD });
  const [modelDir, setModelDir] = useState('');
  const [exportPath, setExportPath] = useState('');
  const [importPath, setImportPath] = useState('');
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);
  const plotRef = useRef<HTMLDivElement>(null);
  const activeImage = images.find((s) => s.stackId === active);
  const sourceId = (images.some((s) => s.stackId === source) ? source : '') || activeImage?.stackId || images.at(-1)?.stackId || '';
  const sourceInfo = images.find((s) => s.stackId === sourceId);
  const options: SegmentationOptionsInput = { threshold, sigma: o.sigma, minSize: o.minSize, h: o.h, split, fillHoles: fill, mode: threeD ? '3d' : '2d' };

  useEffect(() => {
    if (!plotRef.current || results.length === 0) return;
    const traces: Trace[] = results.map((r) => ({ x: r.perPlane.map((p) => p.z), y: r.perPlane.map((p) => p.count), name: `${r.sourceName} (count)`, mode: 'lines+markers' }));
    for (const r of results) {
      if (r.agreement) traces.push({ x: r.agreement.perPlane.map((p) => p.z), y: r.agreement.perPlane.map((p) => p.f1), name: `${r.sourceName} F1`, mode: 'lines', line: { dash: 'dash' }, yaxis: 'y2' });
    }
    void drawPlot(
      plotRef.current,
      traces,
      {
        title: 'Objects per plane',
        xaxis: { title: 'plane (z index)' },
        yaxis: { title: 'objects (count)' },
        yaxis2: { title: 'F1 vs reference (0–1)', overlaying: 'y', side: 'right', range: [0, 1] },
      },
      { onClick: (z) => viewer.setCursor({ ...viewer.get().cursor, z: Math.round(z) }) },
    );
  }, [results, viewer]);
  useEffect(() => () => purgePlot(plotRef.current), []);

  const record = (entry: SegmentationEntry) =>
    wf.set({ segmentations: [...wf.snapshot.segmentations.filter((x) => x.labelsStackId !== entry.labelsStackId), entry] });

  const run = async (importFrom?: string) => {
    if (!sourceInfo) return;
    setBusy(true);
    setStatus(importFrom ? 'importing…' : 'segmenting…');
    try {
      const j = await runJob(api, 'segment', {
        stackId: sourceInfo.stackId,
        options,
        modelDir: modelDir || undefined,
        referenceLabelsId: refLabels || undefined,
        importPath: importFrom,
      });
      const r = await j.done;
      record({ sourceStackId: sourceInfo.stackId, sourceName: sourceInfo.name, labelsStackId: r.labels.stackId, count: r.count, perPlane: r.perPlane, agreement: r.agreement });
      setStatus(`${r.labels.name}: ${r.count} objects${r.agreement ? `, Dice ${fmt(r.agreement.dice)}, F1 ${fmt(r.agreement.f1)}` : ''}`);
      if (!exportPath && sourceInfo.meta.sourcePath) setExportPath(sourceInfo.meta.sourcePath.replace(/(\.ome)?\.tiff?$/i, '') + '-labels.tif');
    } catch (e) {
      setStatus(`failed: ${(e as Error).message}`);
      reportStartError(workspace, 'Segmentation', e);
    } finally {
      setBusy(false);
    }
  };

  /**
   * The paper's comparison: the reference (high exposure) is segmented first, then the low exposure
   * and every denoised result, each compared with the reference's labels.
   */
  const segmentAll = async () => {
    const reference = images.find((s) => s.role === 'reference');
    const sources = images.filter((s) => s.role === 'primary' || (s.role === 'result' && !/\(preview/.test(s.name)));
    if (!reference) {
      workspace.notify('error', 'Open a reference (high exposure) stack first: File › Open reference');
      return;
    }
    setBusy(true);
    try {
      const one = async (stackId: string, name: string, referenceLabelsId?: string) => {
        setStatus(`segmenting ${name}…`);
        const j = await runJob(api, 'segment', { stackId, options, modelDir: modelDir || undefined, referenceLabelsId });
        const r = await j.done;
        record({ sourceStackId: stackId, sourceName: name, labelsStackId: r.labels.stackId, count: r.count, perPlane: r.perPlane, agreement: r.agreement });
        return r;
      };
      const ref = await one(reference.stackId, reference.name);
      for (const s of sources) await one(s.stackId, s.name, ref.labels.stackId);
      setStatus(`segmented ${sources.length + 1} sources; compared with ${ref.labels.name}`);
    } catch (e) {
      setStatus(`failed: ${(e as Error).message}`);
      reportStartError(workspace, 'Segmentation', e);
    } finally {
      setBusy(false);
    }
  };

  const exportLabels = async (stackId: string) => {
    setStatus('exporting…');
    try {
      const j = await runJob(api, 'export', { what: 'stack', stackId, path: exportPath, format: /\.ome\.tiff?$/i.test(exportPath) ? 'ome' : 'imagej', dtype: 'uint16' });
      const r = await j.done;
      setStatus(`labels written to ${r.path}`);
    } catch (e) {
      setStatus(`export failed: ${(e as Error).message}`);
      reportStartError(workspace, 'Exporting labels', e);
    }
  };

  if (images.length === 0) return <p data-testid="segment-panel">Open a stack first.</p>;
  return (
    <div className="form" data-testid="segment-panel">
      <StackSelect testId="segment-source" label="Segment" stacks={images} value={sourceId} onChange={setSource} />
      <label>
        Threshold
        <select data-testid="segment-threshold" value={threshold} onChange={(e) => setThreshold(e.target.value as typeof threshold)}>
          <option value="otsu">Otsu</option>
          <option value="li">Li</option>
          <option value="triangle">triangle</option>
        </select>
      </label>
      <div className="n2s-grid2">
        <NumberField testId="segment-sigma" label="Smoothing σ (px)" value={o.sigma} step={0.5} min={0} onChange={(v) => Number.isFinite(v) && setO({ ...o, sigma: v })} />
        <NumberField testId="segment-min-size" label="Min. size (px)" value={o.minSize} min={0} onChange={(v) => Number.isFinite(v) && setO({ ...o, minSize: v })} />
        <NumberField testId="segment-h" label="Split depth h (px)" value={o.h} step={0.25} min={0.25} onChange={(v) => Number.isFinite(v) && setO({ ...o, h: v })} />
      </div>
      <label className="n2s-check">
        <input type="checkbox" data-testid="segment-split" checked={split} onChange={(e) => setSplit(e.target.checked)} /> split touching nuclei (watershed)
      </label>
      <label className="n2s-check">
        <input type="checkbox" checked={fill} onChange={(e) => setFill(e.target.checked)} /> fill holes
      </label>
      <label className="n2s-check">
        <input type="checkbox" data-testid="segment-3d" checked={threeD} onChange={(e) => setThreeD(e.target.checked)} /> 3-D objects across planes (off: each plane on its own, as the paper)
      </label>
      <label>
        tfjs model folder (optional; probability map, mean/std standardised, 0.5 threshold)
        <input data-testid="segment-model" value={modelDir} onChange={(e) => setModelDir(e.target.value)} placeholder="built-in (Otsu + watershed)" />
      </label>
      <StackSelect testId="segment-reference" label="Compare with labels of" stacks={labelStacks} value={refLabels} onChange={setRefLabels} allowNone />
      <button type="button" data-testid="segment-run" disabled={busy || !sourceInfo} onClick={() => void run()}>
        Segment {sourceInfo?.name ?? ''}
      </button>
      <button type="button" data-testid="segment-all" disabled={busy} onClick={() => void segmentAll()}>
        Segment all sources and compare with the reference
      </button>
      <p data-testid="segment-status">{status}</p>
      <h4>Labels layers</h4>
      <label>
        Export path
        <input data-testid="segment-export-path" value={exportPath} onChange={(e) => setExportPath(e.target.value)} placeholder="/path/to/labels.tif" />
      </label>
      <table className="n2s-table n2s-fit" data-testid="segment-results">
        <thead>
          <tr>
            <th className="n2s-name">labels</th>
            <th style={{ width: 36 }} title="shown in the viewer">show</th>
            <th style={{ width: 52 }}>objects</th>
            <th style={{ width: 40 }}>Dice</th>
            <th style={{ width: 40 }} title="object F1 at IoU 0.5">F1</th>
            <th style={{ width: 62 }} />
          </tr>
        </thead>
        <tbody>
          {labelStacks.map((s) => {
            const layerId = layerOf.get(s.stackId);
            const layer = layers.find((l) => l.id === layerId);
            const r = results.find((x) => x.labelsStackId === s.stackId);
            return (
              <tr key={s.stackId} data-testid={`labels-row-${s.stackId}`}>
                <td className="n2s-name" title={s.name}>
                  {s.name}
                </td>
                <td>
                  <input
                    type="checkbox"
                    data-testid={`labels-visible-${s.stackId}`}
                    disabled={!layer}
                    checked={layer?.visible ?? false}
                    onChange={(e) => layerId && viewer.updateLayer(layerId, { visible: e.target.checked })}
                  />
                </td>
                <td>{r?.count ?? '–'}</td>
                <td>{fmt(r?.agreement?.dice)}</td>
                <td>{fmt(r?.agreement?.f1)}</td>
                <td>
                  <button type="button" data-testid={`labels-export-${s.stackId}`} disabled={!exportPath} onClick={() => void exportLabels(s.stackId)}>
                    Export
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {results.length > 0 && (
        <table className="n2s-table n2s-fit" data-testid="segment-compare">
          <thead>
            <tr>
              <th className="n2s-name">source</th>
              <th style={{ width: 52 }}>objects</th>
              <th style={{ width: 52 }} title="mean object size (pixels per plane)">size</th>
              <th style={{ width: 40 }}>Dice</th>
              <th style={{ width: 40 }} title="object F1 at IoU 0.5">F1</th>
            </tr>
          </thead>
          <tbody>
            {results.map((r) => {
              const sizes = r.perPlane.filter((p) => p.count > 0);
              const mean = sizes.length ? sizes.reduce((a, p) => a + p.meanSize * p.count, 0) / sizes.reduce((a, p) => a + p.count, 0) : NaN;
              return (
                <tr key={r.labelsStackId}>
                  <td className="n2s-name" title={r.sourceName}>
                    {r.sourceName}
                  </td>
                  <td>{r.count}</td>
                  <td>{fmt(mean, 1)}</td>
                  <td>{fmt(r.agreement?.dice)}</td>
                  <td>{fmt(r.agreement?.f1)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <div ref={plotRef} data-testid="segment-plot" />
      <label>
        Import a labels TIFF over {sourceInfo?.name ?? 'the stack'}
        <input data-testid="segment-import-path" value={importPath} onChange={(e) => setImportPath(e.target.value)} placeholder="/path/to/labels.tif" />
      </label>
      <button type="button" data-testid="segment-import" disabled={!importPath || busy} onClick={() => void run(importPath)}>
        Import labels
      </button>
    </div>
  );
}

export const panel: PanelDef = { id: 'segment', title: 'Segment', order: 45, Component: SegmentPanel };
