/**
 * The layer rule of docs/style.md, made visible: shared/ imports neither main/ nor renderer/ nor
 * Node built-ins; renderer/ never imports main/, Node built-ins or native packages; main/ never
 * imports renderer/. Checked on every import specifier of every source file.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const IMPORT = /(?:^|[\s;])(?:import|export)\s(?:[^'"]*?\sfrom\s)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
const NODE_ONLY = /^(node:|fs$|path$|os$|child_process$|worker_threads$|electron$|onnxruntime-node$|@tensorflow\/tfjs-node)/;

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (/\.(ts|tsx|mts)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm, '');
  return [...text.matchAll(IMPORT)].map((m) => m[1] ?? m[2]);
}

function violations(layer: string, forbiddenLayers: string[], forbidNodeOnly: boolean): string[] {
  const found: string[] = [];
  for (const file of sources(join(root, layer))) {
    for (const spec of imports(file)) {
      const where = relative(root, file);
      if (spec.startsWith('.')) {
        const target = relative(root, resolve(dirname(file), spec)).split('/')[0];
        if (forbiddenLayers.includes(target)) found.push(`${where} imports ${spec}`);
      } else if (forbidNodeOnly && NODE_ONLY.test(spec)) {
        found.push(`${where} imports ${spec}`);
      }
    }
  }
  return found;
}

test('the import scanner sees static, re-export and dynamic imports', () => {
  const text = `import a from '../main/x.ts';\nexport { b } from "./y.ts";\nconst c = await import('node:fs');\nimport type { D } from '../renderer/z.ts';`;
  assert.deepEqual([...text.matchAll(IMPORT)].map((m) => m[1] ?? m[2]), ['../main/x.ts', './y.ts', 'node:fs', '../renderer/z.ts']);
});

test('shared/ depends on nothing but itself and portable packages', () => {
  assert.deepEqual(violations('shared', ['main', 'renderer'], true), []);
});

/**
 * Renderer code is what the page loads: everything reachable from the entry and the slot modules
 * (build scripts that live next to it, such as a harness builder, run in Node and are not checked).
 */
function rendererBundleFiles(): string[] {
  const r = join(root, 'renderer');
  const entries = [join(r, 'main.tsx'), join(r, 'viewer', 'Workspace.tsx'), join(r, 'viewer', 'LayerPanel.tsx'), join(r, 'viewer', 'harness.tsx')];
  try {
    for (const n of readdirSync(join(r, 'panels'))) if (n.endsWith('.panel.tsx')) entries.push(join(r, 'panels', n));
  } catch {
    // no panels yet
  }
  const seen = new Set<string>();
  const stack = entries.filter((f) => {
    try {
      return statSync(f).isFile();
    } catch {
      return false;
    }
  });
  while (stack.length) {
    const f = stack.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    for (const spec of imports(f)) {
      if (!spec.startsWith('.') || !/\.(ts|tsx)$/.test(spec)) continue;
      stack.push(resolve(dirname(f), spec));
    }
  }
  return [...seen];
}

test('renderer/ reaches main only through the IPC contract, never by import', () => {
  const files = rendererBundleFiles();
  assert.ok(files.some((f) => f.endsWith('renderer/shell/Shell.tsx')), 'the walk reaches the shell');
  const found: string[] = [];
  for (const file of files) {
    for (const spec of imports(file)) {
      const bad = spec.startsWith('.') ? relative(root, resolve(dirname(file), spec)).split('/')[0] === 'main' : NODE_ONLY.test(spec);
      if (bad) found.push(`${relative(root, file)} imports ${spec}`);
    }
  }
  assert.deepEqual(found, []);
});

test('main/ never imports renderer code', () => {
  assert.deepEqual(violations('main', ['renderer'], false), []);
});
