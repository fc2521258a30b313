/**
 * The study report: a table like the paper's Table 1 (means over test stacks with 95 % intervals),
 * the paper's MRI claims checked against our numbers (stated as they come out, never tuned), per-plane
 * PSNR curves with 95 % bands, validation-loss curves and preview images — as Markdown and HTML
 * from the same rows, plus the raw numbers in results.json.
 */
import { confidenceBand, perPlaneBands, percentile, type Band, type StackMetrics } from '../../../shared/metrics/index.ts';
import type { StudyConfig } from './config.ts';
import type { MethodResult, TestScore } from './run-method.ts';
import { lineChart, type Series } from './svg.ts';
import type { AutoKResult } from '../autok.ts';

export interface StudyResults {
  name: string;
  command: string;
  generatedAt: string;
  kind: 'mri' | 'microscopy';
  config: StudyConfig;
  notes: string[];
  methods: MethodResult[];
  /** Absolute plane numbers of the scored planes (for the per-plane plot's x axis). */
  planeNumbers: number[];
  autoK?: AutoKResult & { epochs: number; stepsPerEpoch: number };
}

export interface ReportFiles {
  'report.md': string;
  'report.html': string;
  'per-plane-psnr.svg': string;
  'validation-loss.svg'?: string;
  'per-plane-psnr-post.svg'?: string;
}

type Pick = (s: TestScore) => StackMetrics | undefined;
const before: Pick = (s) => s.metrics;
const after: Pick = (s) => s.post;
const vsClean: Pick = (s) => s.vsClean;

function band(r: MethodResult, pick: Pick, key: 'psnr' | 'ssim' | 'nrmse'): Band | null {
  const vals = r.scores.map((s) => pick(s)?.[key]).filter((v): v is number => v !== undefined);
  return vals.length ? confidenceBand(vals) : null;
}

const fmt = (b: Band | null, digits: number, ci = false) => {
  if (!b) return '–';
  const half = (b.high - b.low) / 2;
  return ci && b.n > 1 ? `${b.mean.toFixed(digits)} ± ${half.toFixed(digits)}` : b.mean.toFixed(digits);
};

function planesOf(m: MethodResult['method']): string {
  switch (m.id) {
    case 'input':
    case 'classical':
      return '–';
    case 'n2s-self':
      return String(2 * m.k);
    case 'n2s-copy':
      return `1+${2 * m.k}`;
    case 'n2s-bs':
      return `1 masked+${2 * m.k}`;
    case 'n2c':
      return m.k === 0 ? '1' : `1+${2 * m.k}`;
    default:
      return '1';
  }
}

interface Table {
  head: string[];
  rows: string[][];
}

function metricsTable(res: StudyResults, withPost: boolean, pick: Pick = before): Table {
  const head = ['method', 'planes'];
  if (withPost) head.push('PSNR before / after post-proc. (dB)', 'SSIM before / after', 'NRMSE before / after');
  else head.push('PSNR (dB)', 'SSIM', 'NRMSE');
  head.push('training', 'best epoch');
  const rows = res.methods.map((r) => {
    const cell = (key: 'psnr' | 'ssim' | 'nrmse', d: number) =>
      withPost ? `${fmt(band(r, pick, key), d, key === 'psnr')} / ${fmt(band(r, after, key), d, key === 'psnr')}` : fmt(band(r, pick, key), d, key === 'psnr');
    const tr = r.training;
    return [
      r.label,
      planesOf(r.method),
      cell('psnr', 2),
      cell('ssim', 3),
      cell('nrmse', 3),
      tr ? `${tr.steps} steps, ${(tr.seconds / 60).toFixed(1)} min (${tr.engine})` : 'none',
      tr ? `${tr.bestEpoch}/${tr.history.length}` : '–',
    ];
  });
  return { head, rows };
}

interface Claim {
  text: string;
  holds: boolean | null;
  detail: string;
}

/** The paper's MRI claims (issue 4 "Must show"), evaluated on our numbers. */
export function mriClaims(res: StudyResults, pick: Pick): Claim[] {
  const find = (id: string, k?: number) => res.methods.find((r) => r.method.id === id && (k === undefined || ('k' in r.method && r.method.k === k)));
  const psnr = (r: MethodResult | undefined) => (r ? band(r, pick, 'psnr')?.mean : undefined);
  const input = psnr(find('input'));
  const n2n = psnr(find('n2n'));
  const copy4 = psnr(find('n2s-copy', 2));
  const self4 = psnr(find('n2s-self', 2));
  const n2v = psnr(find('n2v'));
  const d = (v: number | undefined) => (v === undefined ? 'n/a' : `${v.toFixed(2)} dB`);
  const claims: Claim[] = [];
  const n2s = res.methods.filter((r) => r.method.id === 'n2s-self' || r.method.id === 'n2s-copy');
  if (input !== undefined && n2s.length) {
    const gains = n2s.map((r) => ({ label: r.label, gain: (psnr(r) ?? NaN) - input }));
    claims.push({
      text: 'every N2S variant beats the noisy input by ≥ 5 dB',
      holds: gains.every((g) => g.gain >= 5),
      detail: gains.map((g) => `${g.label}: +${g.gain.toFixed(2)} dB`).join('; '),
    });
  }
  const cmp = (text: string, a: number | undefined, b: number | undefined, ok: (a: number, b: number) => boolean, detail: string) =>
    claims.push({ text, holds: a === undefined || b === undefined ? null : ok(a, b), detail });
  cmp('N2S copy-supervised (1+4) beats Noise2Noise', copy4, n2n, (a, b) => a > b, `${d(copy4)} vs ${d(n2n)}`);
  cmp('N2S self-supervised (4) is within 1 dB of Noise2Noise or better', self4, n2n, (a, b) => a >= b - 1, `${d(self4)} vs ${d(n2n)}`);
  cmp('Noise2Void is below N2S self-supervised (4)', n2v, self4, (a, b) => a < b, `${d(n2v)} vs ${d(self4)}`);
  return claims;
}

function perPlaneSeries(res: StudyResults, pick: Pick): Series[] {
  return res.methods
    .filter((r) => r.scores.some((s) => pick(s)))
    .map((r) => {
      const curves = r.scores.map((s) => (pick(s) as StackMetrics).planes.map((p) => p.psnr));
      const bands = perPlaneBands(curves);
      const multi = curves.length > 1;
      return {
        label: r.label,
        x: res.planeNumbers,
        y: bands.map((b) => b.mean),
        low: multi ? bands.map((b) => b.low) : undefined,
        high: multi ? bands.map((b) => b.high) : undefined,
      };
    });
}

function lossSeries(res: StudyResults): Series[] {
  return res.methods
    .filter((r) => r.training && r.training.history.some((h) => h.valLoss !== null))
    .map((r) => {
      const h = (r.training as NonNullable<MethodResult['training']>).history.filter((p) => p.valLoss !== null && p.valLoss > 0);
      return { label: r.label, x: h.map((p) => p.epoch), y: h.map((p) => p.valLoss as number) };
    });
}

/** Display range for previews: fixed for MRI, robust percentiles per image for microscopy. */
export function previewRange(kind: 'mri' | 'microscopy', values: ArrayLike<number>): [number, number] {
  if (kind === 'mri') return [-0.5, 0.5];
  return [percentile(values, 1), percentile(values, 99.5)];
}

function autoKTable(res: StudyResults): Table | null {
  const a = res.autoK;
  if (!a) return null;
  return {
    head: ['K', 'planes', 'held-out self-supervised loss', 'trainer validation loss', 'seconds', 'full run test PSNR (dB)'],
    rows: a.curve.map((p) => {
      const full = res.methods.find((r) => r.method.id === 'n2s-self' && r.method.k === p.k);
      const b = full ? band(full, before, 'psnr') : null;
      return [`${p.k}${p.k === a.best ? ' (chosen)' : ''}`, String(2 * p.k), p.heldOutLoss.toExponential(4), p.trainerValLoss?.toExponential(4) ?? '–', p.seconds.toFixed(0), b ? b.mean.toFixed(2) : '–'];
    }),
  };
}

const mdTable = (t: Table) =>
  [`| ${t.head.join(' | ')} |`, `|${t.head.map(() => '---').join('|')}|`, ...t.rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

const escHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const htmlTable = (t: Table) =>
  `<table>\n<tr>${t.head.map((h) => `<th>${escHtml(h)}</th>`).join('')}</tr>\n${t.rows
    .map((r) => `<tr>${r.map((c) => `<td>${escHtml(c)}</td>`).join('')}</tr>`)
    .join('\n')}\n</table>`;

export function buildReport(res: StudyResults, previews: Array<{ file: string; label: string }>): ReportFiles {
  const isMri = res.kind === 'mri';
  const nTest = res.methods[0]?.scores.length ?? 0;
  const main = metricsTable(res, isMri);
  const cleanTable = !isMri && res.methods.some((r) => r.scores.some((s) => s.vsClean)) ? metricsTable(res, false, vsClean) : null;
  const claimSets = isMri
    ? [
        { title: 'before post-processing', claims: mriClaims(res, before) },
        { title: 'after k-space post-processing', claims: mriClaims(res, after) },
      ]
    : [];
  const t = res.config.training;
  const autoK = autoKTable(res);
  const files: ReportFiles = {
    'report.md': '',
    'report.html': '',
    'per-plane-psnr.svg': lineChart(perPlaneSeries(res, before), {
      title: 'PSNR per plane',
      subtitle: nTest > 1 ? `mean and 95 % band over ${nTest} test stacks${isMri ? ' (noise draws)' : ''}` : undefined,
      xLabel: 'plane',
      yLabel: 'PSNR (dB)',
    }),
  };
  if (isMri) {
    files['per-plane-psnr-post.svg'] = lineChart(perPlaneSeries(res, after), {
      title: 'PSNR per plane after k-space post-processing',
      subtitle: nTest > 1 ? `mean and 95 % band over ${nTest} noise draws` : undefined,
      xLabel: 'plane',
      yLabel: 'PSNR (dB)',
    });
  }
  const losses = lossSeries(res);
  if (losses.length) files['validation-loss.svg'] = lineChart(losses, { title: 'Validation loss per epoch', xLabel: 'epoch', yLabel: 'validation loss (MSE, own target)', logY: true });

  const settings = `${t.arch === 'n2n' ? 'Noise2Noise' : 'CSBDeep'} U-Net at width ×${t.widthScale}, ${t.epochs} epochs × ${t.stepsPerEpoch} steps, batch ${t.batch}, ${t.patch}² patches, Adam lr ${t.lr} with cosine decay, augmentation ${t.augment}, best-by-validation checkpoint (validation fraction ${t.valFraction}), engine ${t.engine}, seed ${t.seed}`;
  const claimMd = claimSets.flatMap((c) => [
    `**Paper's claims on our data (${c.title}):**`,
    '',
    ...c.claims.map((cl) => `- ${cl.holds === null ? '— not evaluated' : cl.holds ? '✅ holds' : '❌ does not hold'}: ${cl.text} — ${cl.detail}`),
    '',
  ]);
  const md = [
    `# ${res.name}`,
    '',
    `Generated ${res.generatedAt} by Noise2Stack Studio. Regenerate with:`,
    '',
    '```sh',
    res.command,
    '```',
    '',
    '## Data',
    '',
    ...res.notes.map((n) => `- ${n}`),
    '',
    '## Training',
    '',
    `All learned methods share the trainer and these settings: ${settings}.`,
    '',
    `## Results (${isMri ? 'paper Table 1 layout; ' : ''}mean over ${nTest} test stack${nTest === 1 ? '' : 's'}${nTest > 1 ? ', PSNR ± half-width of the 95 % t-interval' : ''})`,
    '',
    mdTable(main),
    '',
    ...(cleanTable ? ['Against the noiseless synthetic signal (same normalisation):', '', mdTable(cleanTable), ''] : []),
    ...claimMd,
    ...(autoK
      ? [
          '## Automatic neighbour selection',
          '',
          `Short self-supervised runs (${res.autoK?.epochs} epochs × ${res.autoK?.stepsPerEpoch} steps) per K on the training data, scored by the held-out self-supervised loss (main/science/autok.ts); chosen: **K = ${res.autoK?.best}**. The last column is the test PSNR of the full-length self-supervised run with that K, where the study has one.`,
          '',
          mdTable(autoK),
          '',
        ]
      : []),
    '## Per-plane PSNR',
    '',
    '![per-plane PSNR](per-plane-psnr.svg)',
    '',
    ...(isMri ? ['![per-plane PSNR after post-processing](per-plane-psnr-post.svg)', ''] : []),
    ...(files['validation-loss.svg'] ? ['## Convergence', '', 'Validation loss per epoch (each method against its own target, so levels differ between methods; flattening curves show convergence).', '', '![validation loss](validation-loss.svg)', ''] : []),
    ...(previews.length ? ['## Middle test plane', '', previews.map((p) => `![${p.label}](${p.file})`).join(' '), '', previews.map((p) => p.label).join(' · '), ''] : []),
    'Raw numbers (per plane, per test stack, training histories): `results.json`.',
    '',
  ].join('\n');
  const html = `<!doctype html>
<html><head><meta charset="utf-8"><title>${escHtml(res.name)}</title>
<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:4px 8px;text-align:left}th{background:#eee}figure{display:inline-block;margin:4px;text-align:center;font-size:12px}pre{background:#f4f4f4;padding:8px}</style>
</head><body>
<h1>${escHtml(res.name)}</h1>
<p>Generated ${escHtml(res.generatedAt)} by Noise2Stack Studio. Regenerate with:</p>
<pre>${escHtml(res.command)}</pre>
<h2>Data</h2>
<ul>${res.notes.map((n) => `<li>${escHtml(n)}</li>`).join('\n')}</ul>
<h2>Training</h2>
<p>All learned methods share the trainer and these settings: ${escHtml(settings)}.</p>
<h2>Results</h2>
${htmlTable(main)}
${cleanTable ? `<p>Against the noiseless synthetic signal:</p>\n${htmlTable(cleanTable)}` : ''}
${claimSets
  .map(
    (c) =>
      `<p><b>Paper's claims on our data (${escHtml(c.title)}):</b></p><ul>${c.claims
        .map((cl) => `<li>${cl.holds === null ? '— not evaluated' : cl.holds ? '✅ holds' : '❌ does not hold'}: ${escHtml(cl.text)} — ${escHtml(cl.detail)}</li>`)
        .join('\n')}</ul>`,
  )
  .join('\n')}
${autoK ? `<h2>Automatic neighbour selection</h2><p>Short self-supervised runs per K, scored by the held-out self-supervised loss; chosen: <b>K = ${res.autoK?.best}</b>.</p>\n${htmlTable(autoK)}` : ''}
<h2>Per-plane PSNR</h2>
<img src="per-plane-psnr.svg" alt="per-plane PSNR">
${isMri ? '<img src="per-plane-psnr-post.svg" alt="per-plane PSNR after post-processing">' : ''}
${files['validation-loss.svg'] ? '<h2>Convergence</h2><img src="validation-loss.svg" alt="validation loss">' : ''}
${previews.length ? `<h2>Middle test plane</h2>\n${previews.map((p) => `<figure><img src="${p.file}" alt="${escHtml(p.label)}"><figcaption>${escHtml(p.label)}</figcaption></figure>`).join('\n')}` : ''}
<p>Raw numbers: <a href="results.json">results.json</a>.</p>
</body></html>
`;
  files['report.md'] = md;
  files['report.html'] = html;
  return files;
}
