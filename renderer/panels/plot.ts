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

interface Axis {
  title?: string;
  type?: 'linear' | 'log';
  range?: number[];
  /** d3 format of hover values; the default rounds to 4 significant digits. */
  hoverformat?: string;
}

export interface PlotLayout {
  title?: string;
  xaxis?: Axis;
  yaxis?: Axis;
  yaxis2?: Axis & { overlaying: 'y'; side: 'right' };
  height?: number;
  margin?: { l: number; r: number; t: number; b: number };
  showlegend?: boolean;
  legend?: { orientation?: 'h' | 'v' };
}

interface PlotlyApi {
  react(el: HTMLElement, data: Trace[], layout: Record<string, unknown>, config: Record<string, unknown>): Promise<unknown>;
  toImage(el: HTMLElement, opts: { format: 'png' | 'svg'; width: number; height: number }): Promise<string>;
  purge(el: HTMLElement): void;
}

let loading: Promise<PlotlyApi> | null = null;
function plotly(): Promise<PlotlyApi> {
  loading ??= import('plotly.js-dist-min').then((m: { default?: PlotlyApi } & PlotlyApi) => m.default ?? m);
  return loading;
}

/**
 * Loads plotly while the page is idle (a panel that will plot calls this when it opens): parsing it
 * blocks the page for about a second on a busy machine, and at a run's first loss point that second
 * fell between the user's Start and their next click.
 */
export function preloadPlots(): void {
  const idle = typeof requestIdleCallback === 'function' ? requestIdleCallback : (f: () => void) => setTimeout(f, 200);
  idle(() => {
    plotly().catch(() => {
      loading = null; // the draw that needs it retries and reports
    });
  });
}

const BASE: PlotLayout = { height: 250, margin: { l: 58, r: 12, t: 30, b: 40 }, legend: { orientation: 'h' } };

/** The shell's dark colours (shell.css), so plots do not sit as white boxes in a dark window. */
export const PLOT_THEME = { paper: '#2b2d33', plot: '#1e2025', text: '#f0f1f2', grid: '#41454d' };

/** Our layout in plotly's terms: titled axes ({text}), the dark theme, values rounded for display. */
function plotlyLayout(layout: PlotLayout, data: Trace[], theme: boolean): Record<string, unknown> {
  const axis = (a: Axis | undefined, extra: Record<string, unknown> = {}) => ({
    ...a,
    ...extra,
    title: a?.title ? { text: a.title, standoff: 6 } : undefined,
    hoverformat: a?.hoverformat ?? '.4~g',
    tickformat: a?.type === 'log' ? undefined : '~g',
    automargin: true,
    ...(theme ? { gridcolor: PLOT_THEME.grid, zerolinecolor: PLOT_THEME.grid, linecolor: PLOT_THEME.grid } : {}),
  });
  const m = { ...BASE, ...layout };
  // A legend above the plot gets a row per trace (long names do not share a row), under the title.
  const rows = m.showlegend === false ? 0 : data.length;
  if (rows > 0) {
    m.margin = { ...(m.margin ?? { l: 58, r: 12, t: 30, b: 40 }), t: 30 + 18 * rows };
    m.height = (m.height ?? 250) + 18 * rows;
  }
  return {
    ...m,
    title: m.title ? { text: m.title, font: { size: 13 }, x: 0.02, xanchor: 'left', y: 1, yref: 'container', yanchor: 'top', pad: { t: 6 } } : undefined,
    xaxis: axis(m.xaxis),
    yaxis: axis(m.yaxis),
    ...(m.yaxis2 ? { yaxis2: axis(m.yaxis2) } : {}),
    // The legend goes above the plot, where it cannot cover the x-axis title.
    legend: { orientation: 'v', x: 0, y: 1.02, xanchor: 'left', yanchor: 'bottom', font: { size: 10 } },
    ...(theme ? { paper_bgcolor: PLOT_THEME.paper, plot_bgcolor: PLOT_THEME.plot, font: { color: PLOT_THEME.text, size: 11 } } : {}),
    hovermode: 'closest',
  };
}

export interface DrawOptions {
  /** Called with the x value of a clicked point (e.g. a plane index). */
  onClick?: (x: number, trace: number) => void;
  /** Report figures are printed on white: the dark theme is for the window only. */
  theme?: boolean;
}

type PlotlyEl = HTMLElement & { on?: (ev: string, cb: (e: { points?: { x: unknown; curveNumber: number }[] }) => void) => void; removeAllListeners?: (ev: string) => void };

export async function drawPlot(el: HTMLElement, data: Trace[], layout: PlotLayout, opts: DrawOptions = {}): Promise<void> {
  const p = await plotly();
  // Hover labels show rounded values too (the axes' hoverformat applies to 'x'/'y' in the template).
  const traces = data.map((t) => ({ ...t, hovertemplate: `%{y:.4~g}<extra>${t.name.replace(/[<>]/g, '')}</extra>` }));
  await p.react(el, traces as Trace[], plotlyLayout(layout, data, opts.theme ?? true), { displaylogo: false, responsive: true, staticPlot: false });
  const pe = el as PlotlyEl;
  pe.removeAllListeners?.('plotly_click');
  if (opts.onClick && pe.on) {
    const cb = opts.onClick;
    pe.on('plotly_click', (e) => {
      const pt = e.points?.[0];
      if (pt && typeof pt.x === 'number') cb(pt.x, pt.curveNumber);
    });
  }
  // Tests and the export read how many points are drawn without reaching into plotly.
  el.dataset.points = String(data.reduce((a, t) => a + t.x.length, 0));
  el.dataset.xTitle = layout.xaxis?.title ?? '';
  el.dataset.yTitle = layout.yaxis?.title ?? '';
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
