/**
 * Small hand-drawn SVG line charts for the study report (per-plane PSNR with 95 % bands, validation
 * loss curves). Self-contained text, so the report needs no plotting library or browser to build.
 */
export interface Series {
  label: string;
  x: number[];
  y: number[];
  /** Optional band (e.g. 95 % CI), same length as y. */
  low?: number[];
  high?: number[];
}

export interface ChartOptions {
  title: string;
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
  logY?: boolean;
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function niceTicks(lo: number, hi: number, count = 6): number[] {
  const span = hi - lo || 1;
  const step0 = span / count;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => span / s <= count) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * span; v += step) out.push(Number(v.toPrecision(10)));
  return out;
}

export function lineChart(series: Series[], o: ChartOptions): string {
  const W = o.width ?? 760;
  const H = o.height ?? 420;
  const m = { l: 64, r: 220, t: o.subtitle ? 50 : 36, b: 48 };
  const f = (v: number) => (o.logY ? Math.log10(v) : v);
  const xs = series.flatMap((s) => s.x);
  const ys = series.flatMap((s) => [...s.y, ...(s.low ?? []), ...(s.high ?? [])]).filter((v) => Number.isFinite(f(v)));
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs);
  let y0 = Math.min(...ys.map(f));
  let y1 = Math.max(...ys.map(f));
  const pad = (y1 - y0) * 0.05 || 0.5;
  y0 -= pad;
  y1 += pad;
  const px = (x: number) => m.l + ((x - x0) / (x1 - x0 || 1)) * (W - m.l - m.r);
  const py = (y: number) => H - m.b - ((f(y) - y0) / (y1 - y0)) * (H - m.t - m.b);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  parts.push(`<text x="${m.l}" y="20" font-size="14" font-weight="bold">${esc(o.title)}</text>`);
  if (o.subtitle) parts.push(`<text x="${m.l}" y="38" fill="#555">${esc(o.subtitle)}</text>`);
  const yTicks = o.logY ? niceTicks(y0, y1).map((t) => 10 ** t) : niceTicks(y0, y1);
  for (const t of yTicks) {
    const y = py(t);
    if (y < m.t - 1 || y > H - m.b + 1) continue;
    parts.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#ddd"/>`);
    parts.push(`<text x="${m.l - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end">${o.logY ? t.toExponential(0) : t}</text>`);
  }
  for (const t of niceTicks(x0, x1, 10)) {
    const x = px(t);
    parts.push(`<line x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="${H - m.b}" y2="${H - m.b + 4}" stroke="#333"/>`);
    parts.push(`<text x="${x.toFixed(1)}" y="${H - m.b + 18}" text-anchor="middle">${t}</text>`);
  }
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#333"/>`);
  parts.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 10}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  parts.push(`<text transform="translate(16 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  series.forEach((s, i) => {
    const c = COLOURS[i % COLOURS.length];
    if (s.low && s.high) {
      const up = s.x.map((x, j) => `${px(x).toFixed(1)},${py(s.high![j]).toFixed(1)}`);
      const down = s.x.map((x, j) => `${px(x).toFixed(1)},${py(s.low![j]).toFixed(1)}`).reverse();
      parts.push(`<polygon points="${[...up, ...down].join(' ')}" fill="${c}" fill-opacity="0.15" stroke="none"/>`);
    }
    const pts = s.x.map((x, j) => `${px(x).toFixed(1)},${py(s.y[j]).toFixed(1)}`).join(' ');
    parts.push(`<polyline points="${pts}" fill="none" stroke="${c}" stroke-width="1.8"/>`);
    const ly = m.t + 8 + i * 18;
    parts.push(`<line x1="${W - m.r + 12}" x2="${W - m.r + 36}" y1="${ly}" y2="${ly}" stroke="${c}" stroke-width="3"/>`);
    parts.push(`<text x="${W - m.r + 42}" y="${ly + 4}">${esc(s.label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
