/**
 * Issue 16: the project's own hostile-input suite. ≥ 150 generated malformed or odd inputs
 * (hostile-corpus.ts: TIFF, NIfTI, OME-Zarr, special files, odd names) go through `n2s info`,
 * `n2s convert` and `n2s denoise` (a tiny untrained model). Each run must end in a read or in ONE
 * line "n2s CMD: error: …" (never exit 70 or a stack trace), within a time bound; a case that must
 * be refused is refused by every command; nothing is ever written from a refused input and no
 * temporary file is left behind. Peak memory of the whole run is bounded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './helpers.ts';
import { buildCorpus, type HostileCase } from './hostile-corpus.ts';
import { tinyModel } from '../shard/fixtures.ts';

const RUNNER = fileURLToPath(new URL('./hostile-runner.ts', import.meta.url));
/** One command on one tiny file; generous for a loaded 2-core machine (the first denoise loads ONNX Runtime). */
const PER_RUN_MS = 8000;
const TOTAL_MS = 240_000;
const MAX_RSS_MIB = 1500;

interface Row {
  i: number; name: string; cmd: string; code: number; ms: number; stderr: string; wrote: boolean; hidden: string[]; rss: number;
  done?: boolean; maxRssKiB?: number;
}

test('≥ 150 generated hostile inputs: a read or one clear line from info, convert and denoise; nothing written from a refused input', async () => {
  const { dir, cleanup } = tempDir('hostile');
  try {
    const corpus = join(dir, 'corpus');
    const out = join(dir, 'out');
    mkdirSync(corpus);
    mkdirSync(out);
    const { cases, skipped } = await buildCorpus(corpus);
    const model = await tinyModel(join(dir, 'model'));
    const perKind = cases.reduce<Record<string, number>>((a, c) => ({ ...a, [c.kind]: (a[c.kind] ?? 0) + 1 }), {});
    assert.ok(cases.length >= 150, `corpus has ${cases.length} cases`);
    writeFileSync(join(dir, 'cases.json'), JSON.stringify(cases));
    const t0 = Date.now();
    const child = spawn(process.execPath, ['--max-old-space-size=1024', '--import', 'tsx', RUNNER, join(dir, 'cases.json'), corpus, out, model], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), TOTAL_MS);
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    clearTimeout(timer);
    const rows = stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row);
    const lastRow = rows.filter((r) => !r.done).at(-1);
    assert.equal(code, 0, `runner ended with ${code} after ${lastRow ? `${lastRow.name} (${lastRow.cmd})` : 'nothing'} — a hang or a crash; stderr: ${stderr.slice(-1500)}`);
    const end = rows.find((r) => r.done);
    assert.ok(end, 'runner finished');
    const byCase = new Map<string, Row[]>();
    for (const r of rows.filter((x) => !x.done)) byCase.set(r.name, [...(byCase.get(r.name) ?? []), r]);
    const problems: string[] = [];
    const kindOf = new Map(cases.map((c) => [c.name, c] as [string, HostileCase]));
    let refusals = 0;
    let reads = 0;
    for (const [name, runs] of byCase) {
      const c = kindOf.get(name)!;
      const label = JSON.stringify(name);
      for (const r of runs) {
        // Progress and engine notes of denoise are not errors; the error itself is one line.
        const lines = r.stderr.split('\n').filter((l) => l.trim() && !/^(engine|\[|warning|note|plane |test-time)/.test(l));
        if (r.ms > PER_RUN_MS) problems.push(`${label} ${r.cmd}: took ${r.ms.toFixed(0)} ms`);
        if (r.hidden.length) problems.push(`${label} ${r.cmd}: left ${r.hidden.join(', ')}`);
        if (r.code === 0) {
          if (r.cmd === 'info') reads++;
          continue;
        }
        if (r.code !== 2) problems.push(`${label} ${r.cmd}: exit ${r.code}: ${r.stderr.split('\n')[0]}`);
        const err = lines.filter((l) => l.startsWith(`n2s ${r.cmd}: `));
        if (err.length !== 1 || !err[0].startsWith(`n2s ${r.cmd}: error: `)) problems.push(`${label} ${r.cmd}: not one clear line: ${JSON.stringify(r.stderr.slice(0, 300))}`);
        if (r.wrote) problems.push(`${label} ${r.cmd}: failed but wrote an output`);
        if (r.cmd === 'info') refusals++;
      }
      const info = runs.find((r) => r.cmd === 'info')!;
      const conv = runs.find((r) => r.cmd === 'convert')!;
      if (c.expect === 'error' || c.expect === 'data-error') {
        for (const r of runs) {
          if (r.code === 0 && !(c.expect === 'data-error' && r.cmd === 'info')) problems.push(`${label} ${r.cmd}: must be refused, but succeeded`);
        }
        if (c.message && !new RegExp(c.message).test(info.stderr + conv.stderr)) problems.push(`${label}: message should match /${c.message}/: ${info.stderr.trim()} | ${conv.stderr.trim()}`);
      }
      if (c.expect === 'read') {
        if (info.code !== 0) problems.push(`${label} info: must read: ${info.stderr.trim()}`);
        if (conv.code !== 0 || !conv.wrote) problems.push(`${label} convert: must convert: ${conv.stderr.trim()}`);
      }
    }
    const maxRss = (end!.maxRssKiB ?? 0) / 1024;
    const seconds = (Date.now() - t0) / 1000;
    console.log(`hostile: ${cases.length} cases (${Object.entries(perKind).map(([k, n]) => `${k} ${n}`).join(', ')}), ${rows.length - 1} runs, ${reads} read by info, ${refusals} refused; ${seconds.toFixed(1)} s, peak RSS ${maxRss.toFixed(0)} MiB${skipped.length ? `; skipped: ${skipped.join('; ')}` : ''}`);
    assert.deepEqual(problems, []);
    assert.ok(maxRss < MAX_RSS_MIB, `peak RSS ${maxRss.toFixed(0)} MiB`);
  } finally {
    cleanup();
  }
});
