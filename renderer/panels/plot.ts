/**
 * The few plotly.js calls the panels make, typed, with plotly loaded on first use (it is large, so
 * it lives in its own chunk and the shell starts without it).
 */
export interface Trace {
  x: number[];
  y: number[];
  name: string;
  mode?: 'lines' | 'markers' | 'lines+markers';
  type?: 'scatter';
  line?: { dash?: 'dash' | 'dot' | 'solid'; color?: string; width?: number };
  marker?: { size?: number };
  yaxis?: 'y' | 'y2';
}

export interface PlotLayout {
  title?: string;
  xaxis?: { title?: string; type?: 'linear' | 'log' };
  yaxis?: { title?: string; type?: 'linear' | 'log'; range?: number[] };
  yaxis2?: { title?: string; overlaying: 'y'; side: 'right'; range?: number[] };
  height?: number;
  margin?: { l: number; r: number; t: number; b: number };
  showlegend?: boolean;
  legend?: { orientation?: 'h' | 'v' };
}

interface PlotlyApi {
  react(el: HTMLElement, data: Trace[], layout: PlotLayout, config: Record<string, unknown>): Promise<unknown>;
  toImage(el: HTMLElement, opts: { format: 'png' | 'svg'; width: number; height: number }): Promise<string>;
  purge(el: HTMLElement): void;
}

let loading: Promise<PlotlyApi> | null = null;
function plotly(): Promise<PlotlyApi> {
  loading ??= import('plotly.js-dist-min').then((m: { default?: PlotlyApi } & PlotlyApi) => m.default ?? m);
  return loading;
}

const BASE: PlotLayout = { height: 220, margin: { l: 50, r: 10, t: 30, b: 40 }, legend: { orientation: 'h' } };

export async function drawPlot(el: HTMLElement, data: Trace[], layout: PlotLayout): Promise<void> {
  const p = await plotly();
  await p.react(el, data, { ...BASE, ...layout }, { displaylogo: false, responsive: true, staticPlot: false });
  // Tests and the export read how many points are drawn without reaching into plotly.
  el.dataset.points = String(data.reduce((a, t) => a + t.x.length, 0));
}

/** A PNG data URL and an SVG document of a drawn plot, for the export report. */
export async function plotImages(el: HTMLElement): Promise<{ png: string; svg: string }> {
  const p = await plotly();
  const png = await p.toImage(el, { format: 'png', width: 800, height: 400 });
  const svgUrl = await p.toImage(el, { format: 'svg', width: 800, height: 400 });
  const svg = decodeURIComponent(svgUrl.replace(/^data:image\/svg\+xml,/, ''));
  return { png, svg };
}

export function purgePlot(el: HTMLElement | null): void {
  if (el && loading) void loading.then((p) => p.purge(el));
}
