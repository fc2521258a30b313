/**
 * The report's plots, drawn from the workflow state (not from whatever panel happens to be open):
 * loss curves of the latest trained model, per-plane PSNR of the latest evaluation, objects per
 * plane of the segmentations. Each is drawn into an off-screen element, captured as PNG and SVG
 * with plotly, and removed.
 */
import type { ExportReport } from '../../shared/ipc/job-kinds/export.ts';
import { drawPlot, plotImages, purgePlot, type PlotLayout, type Trace } from './plot.ts';
import type { WorkflowState } from './workflow-state.ts';

function figures(s: WorkflowState): { name: string; traces: Trace[]; layout: PlotLayout }[] {
  const out: { name: string; traces: Trace[]; layout: PlotLayout }[] = [];
  const model = [...s.models].reverse().find((m) => m.summary && m.summary.history.length > 0)?.summary;
  if (model) {
    const h = model.history;
    out.push({
      name: 'loss-curves',
      traces: [
        { x: h.map((p) => p.epoch), y: h.map((p) => p.loss), name: 'train', mode: 'lines+markers' },
        { x: h.filter((p) => p.valLoss !== null).map((p) => p.epoch), y: h.filter((p) => p.valLoss !== null).map((p) => p.valLoss!), name: 'validation', mode: 'lines+markers' },
      ],
      layout: { title: `Loss: ${model.config.method} ${model.layout.mode} K=${model.layout.k}`, xaxis: { title: 'epoch' }, yaxis: { title: 'loss (MSE, normalised intensity²)', type: 'log' } },
    });
    out.push({
      name: 'learning-rate',
      traces: [{ x: h.map((p) => p.epoch), y: h.map((p) => p.lr), name: 'learning rate', mode: 'lines' }],
      layout: { title: 'Learning rate (cosine decay)', xaxis: { title: 'epoch' }, yaxis: { title: 'learning rate' }, showlegend: false },
    });
  }
  if (s.evaluation) {
    out.push({
      name: 'psnr-per-plane',
      traces: s.evaluation.scores.map((sc, i) => ({
        x: sc.perPlanePsnr.map((_, z) => z),
        y: sc.perPlanePsnr,
        name: i === 0 ? `${sc.name} (baseline)` : sc.name,
        mode: 'lines+markers',
        line: i === 0 ? { dash: 'dash', color: '#888' } : undefined,
      })),
      layout: { title: `PSNR per plane vs ${s.evaluation.referenceName}`, xaxis: { title: 'plane (z index)' }, yaxis: { title: 'PSNR (dB)' } },
    });
  }
  if (s.segmentations.length) {
    out.push({
      name: 'objects-per-plane',
      traces: s.segmentations.map((r) => ({ x: r.perPlane.map((p) => p.z), y: r.perPlane.map((p) => p.count), name: r.sourceName, mode: 'lines+markers' })),
      layout: { title: 'Segmented objects per plane', xaxis: { title: 'plane (z index)' }, yaxis: { title: 'objects (count)' } },
    });
  }
  return out;
}

export async function reportPlots(s: WorkflowState): Promise<ExportReport['plots']> {
  const plots: ExportReport['plots'] = [];
  for (const f of figures(s)) {
    const el = document.createElement('div');
    el.style.cssText = 'position:fixed;left:-10000px;top:0;width:800px;height:400px';
    document.body.appendChild(el);
    try {
      await drawPlot(el, f.traces, { ...f.layout, height: 400 }, { theme: false });
      plots.push({ name: f.name, ...(await plotImages(el)) });
    } catch {
      // A plot that cannot be captured is left out of the report rather than failing the export.
    } finally {
      purgePlot(el);
      el.remove();
    }
  }
  return plots;
}
