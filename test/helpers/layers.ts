/**
 * The import rules of main/ (docs/architecture.md, issue 15) as data plus the two checks the
 * layering test runs: which imports run against the layer order, and which modules form cycles.
 * Kept apart from the test so the checks are themselves tested on made-up trees.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { MAIN_LAYERS as LAYER_TABLE } from '../../scripts/layers.mjs';

/**
 * main/'s layers, top first (scripts/layers.mjs, shared with the lint). A module may import from
 * its own layer (folder) and from any layer further down; folders that share a line are side by
 * side and may not import each other. science, segment and shard build on the engine, so they sit
 * above it.
 */
export const MAIN_LAYERS: readonly (readonly string[])[] = LAYER_TABLE;

const IMPORT = /(?:^|[\s;])(?:import|export)\s(?:[^'"]*?\sfrom\s)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every module specifier of a source text: static, type-only, re-export and literal dynamic imports. */
export function importSpecifiers(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm, '');
  return [...code.matchAll(IMPORT)].map((m) => m[1] ?? m[2]);
}

/** The layer (one of MAIN_LAYERS' names) a project-relative path belongs to, or null. */
export function layerOf(path: string): string | null {
  for (const line of MAIN_LAYERS) for (const l of line) if (path === l || path.startsWith(`${l}/`)) return l;
  return null;
}

function rank(layer: string): number {
  return MAIN_LAYERS.findIndex((line) => line.includes(layer));
}

/**
 * Project-relative source path → the project-relative paths it imports (relative specifiers only;
 * packages are the lint's and the other layering tests' business).
 */
export type ImportGraph = Map<string, string[]>;

export function importGraph(root: string, dirs: string[]): ImportGraph {
  const graph: ImportGraph = new Map();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(ts|tsx|mts)$/.test(name) && !name.endsWith('.d.ts')) {
        const from = relative(root, p);
        const specs = importSpecifiers(readFileSync(p, 'utf8')).filter((s) => s.startsWith('.'));
        graph.set(from, specs.map((s) => relative(root, resolve(dirname(p), s))));
      }
    }
  };
  for (const d of dirs) walk(join(root, d));
  return graph;
}

/** Imports of main/ that go up or sideways in MAIN_LAYERS, and main/ files outside every layer. */
export function layerViolations(graph: ImportGraph): string[] {
  const found: string[] = [];
  for (const [from, targets] of graph) {
    if (!from.startsWith('main/')) continue;
    const a = layerOf(from);
    if (!a) {
      found.push(`${from} is in no layer (add its folder to MAIN_LAYERS)`);
      continue;
    }
    for (const to of targets) {
      const b = layerOf(to);
      if (!b || b === a) continue; // outside main/shared (renderer: other tests) or the same layer
      if (rank(b) === rank(a)) found.push(`${from} imports ${to}: ${a} and ${b} are side by side`);
      else if (rank(b) < rank(a)) found.push(`${from} imports ${to}: ${b} is above ${a}`);
    }
  }
  return found;
}

/** Every set of modules that import each other in a circle (strongly connected components), each sorted. */
export function importCycles(graph: ImportGraph): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}
