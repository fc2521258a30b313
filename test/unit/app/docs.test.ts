/**
 * The documents the code relies on are the project's own (docs/): every citation in the sources
 * names a file that exists there, and a section "§N" that docs/method.md has; nothing cites notes
 * outside the repository. The README's inference speed table quotes bench/results/onnx-infer.json.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (/\.(ts|tsx|mts|mjs|sh|md|py)$/.test(name)) out.push(p);
  }
  return out;
}

const sources = () => ['main', 'shared', 'renderer', 'scripts', 'test', 'bench'].flatMap((d) => files(join(root, d)));

/** Citations of a .md document in a text: the path as written and the § that follows, if any. */
function citations(text: string): { doc: string; section?: string }[] {
  return [...text.matchAll(/((?:[\w.-]+\/)*[\w-]+\.md)(?:\s*§\s*(\d+))?/g)].map((m) => ({ doc: m[1], section: m[2] }));
}

test('the citation scanner reads paths and sections', () => {
  assert.deepEqual(citations('see docs/method.md §5 and ../../shared/docs/engine.md; style.md'), [
    { doc: 'docs/method.md', section: '5' },
    { doc: '../../shared/docs/engine.md', section: undefined },
    { doc: 'style.md', section: undefined },
  ]);
});

test('sources cite the method, engine and architecture notes only as docs/*.md that exist, with sections that exist', () => {
  const method = readFileSync(join(root, 'docs/method.md'), 'utf8');
  const sections = new Set([...method.matchAll(/^## §(\d+)/gm)].map((m) => m[1]));
  const bad: string[] = [];
  for (const f of sources()) {
    if (f.endsWith('docs.test.ts')) continue;
    for (const c of citations(readFileSync(f, 'utf8'))) {
      const name = c.doc.split('/').at(-1)!;
      if (!['method.md', 'engine.md', 'engines.md', 'style.md', 'architecture.md'].includes(name)) continue;
      const where = relative(root, f);
      if (!/^docs\/(method|engines|architecture)\.md$/.test(c.doc)) bad.push(`${where}: ${c.doc}`);
      else if (!existsSync(join(root, c.doc))) bad.push(`${where}: ${c.doc} does not exist`);
      else if (c.doc === 'docs/method.md' && c.section && !sections.has(c.section)) bad.push(`${where}: docs/method.md §${c.section} does not exist`);
    }
  }
  assert.deepEqual(bad, []);
});

test('the README’s inference speed table is the one in bench/results/onnx-infer.json', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const bench = JSON.parse(readFileSync(join(root, 'bench/results/onnx-infer.json'), 'utf8')) as {
    plane: { engine: string; median_s: number; vs_pytorch: number }[];
  };
  const rows: Record<string, RegExp> = { 'onnxruntime-node': /^\| ONNX Runtime, CPU provider[^|]*\| ([\d.]+) s \| \**([\d.]+)×/m, 'tfjs-backend-wasm': /^\| tfjs, WASM backend[^|]*\| ([\d.]+) s \| \**([\d.]+)×/m, PyTorch: /^\| PyTorch 1\.13, CPU[^|]*\| ([\d.]+) s \| \**([\d.]+)×/m };
  for (const [engine, re] of Object.entries(rows)) {
    const m = readme.match(re);
    assert.ok(m, `README has a row for ${engine}`);
    const entry = bench.plane.find((p) => p.engine === engine)!;
    assert.ok(Math.abs(Number(m[1]) - entry.median_s) <= 0.006 * Math.max(1, entry.median_s), `${engine}: README ${m[1]} s, bench ${entry.median_s}`);
    assert.ok(Math.abs(Number(m[2]) - entry.vs_pytorch) <= 0.006, `${engine}: README ${m[2]}×, bench ${entry.vs_pytorch}`);
  }
});
