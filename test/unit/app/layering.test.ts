/**
 * The layer rules of docs/architecture.md, made visible: shared/ imports neither main/ nor
 * renderer/ nor Node built-ins; renderer/ never imports main/, Node built-ins or native packages;
 * main/ never imports renderer/; inside main/ imports only go down the layer order of
 * test/helpers/layers.ts (electron → app | cli → workflows → science | segment | shard → engine →
 * io → main/errors.ts → shared) and no modules import each other in a circle. Checked on every
 * import specifier (static, type-only, re-export, dynamic) of every source file.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MAIN_LAYERS, importCycles, importGraph, importSpecifiers, layerOf, layerViolations, type ImportGraph } from '../../helpers/layers.ts';

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

test('the layers of main/, top first: electron → app | cli → workflows → science | segment | shard → engine → io → main/errors.ts → shared', () => {
  assert.deepEqual(MAIN_LAYERS, [
    ['main/electron'],
    ['main/app', 'main/cli'],
    ['main/workflows'],
    ['main/science', 'main/segment', 'main/shard'],
    ['main/engine'],
    ['main/io'],
    ['main/errors.ts'],
    ['shared'],
  ]);
  assert.equal(layerOf('main/engine/onnx/predictor.ts'), 'main/engine');
  assert.equal(layerOf('main/errors.ts'), 'main/errors.ts');
  assert.equal(layerOf('main/errorsx.ts'), null);
  assert.equal(layerOf('renderer/main.tsx'), null);
});

test('the layer check finds an import that goes up, one that goes sideways and a file outside every layer', () => {
  const graph: ImportGraph = new Map([
    ['main/io/index.ts', ['main/errors.ts', 'shared/stack.ts', 'main/io/zarr.ts']],
    ['main/engine/demo.ts', ['main/science/synth.ts', 'main/io/index.ts']],
    ['main/app/jobs/kinds/train.ts', ['main/cli/errors.ts', 'main/workflows/train.ts']],
    ['main/cli/commands/denoise.ts', ['main/workflows/denoise.ts', 'main/engine/predictor.ts', 'main/errors.ts']],
    ['main/errors.ts', ['main/cli/index.ts']],
    ['main/stray.ts', []],
  ]);
  assert.deepEqual(layerViolations(graph), [
    'main/engine/demo.ts imports main/science/synth.ts: main/science is above main/engine',
    'main/app/jobs/kinds/train.ts imports main/cli/errors.ts: main/app and main/cli are side by side',
    'main/errors.ts imports main/cli/index.ts: main/cli is above main/errors.ts',
    'main/stray.ts is in no layer (add its folder to MAIN_LAYERS)',
  ]);
});

test('the cycle check finds modules that import each other in a circle, through any number of steps', () => {
  const graph: ImportGraph = new Map([
    ['a.ts', ['b.ts']],
    ['b.ts', ['c.ts', 'd.ts']],
    ['c.ts', ['a.ts']],
    ['d.ts', ['e.ts']],
    ['e.ts', []],
    ['f.ts', ['f.ts']],
  ]);
  assert.deepEqual(importCycles(graph), [['a.ts', 'b.ts', 'c.ts'], ['f.ts']]);
  assert.deepEqual(importCycles(new Map([['x.ts', ['y.ts']], ['y.ts', []]])), []);
  // Type-only and dynamic imports count: both tie modules together.
  assert.deepEqual(importSpecifiers(`import type { A } from './a.ts';\nconst { B } = await import('./b.ts');`), ['./a.ts', './b.ts']);
});

test('inside main/, imports only go down the layers', () => {
  assert.deepEqual(layerViolations(importGraph(root, ['main', 'shared'])), []);
});

test('no modules of main/ or shared/ import each other in a circle', () => {
  assert.deepEqual(importCycles(importGraph(root, ['main', 'shared'])), []);
});

test('the lint flags the same upward and sideways imports as the editor types them (eslint.config.mjs)', async () => {
  const { ESLint } = await import('eslint');
  const eslint = new ESLint({ cwd: root });
  const restricted = async (filePath: string, code: string) =>
    (await eslint.lintText(code, { filePath: join(root, filePath) }))[0].messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.line);
  const probe = [`import { a } from '../engine/types.ts';`, `import { b } from '../errors.ts';`, `import { c } from '../../shared/stack.ts';`, `export const x = [a, b, c];`].join('\n');
  assert.deepEqual(await restricted('main/io/probe.ts', probe), [1]);
  assert.deepEqual(await restricted('main/engine/probe.ts', probe.replace('../engine/types.ts', '../io/index.ts')), []);
  const sideways = [`import { a } from '../cli/flags.ts';`, `import { b } from '../workflows/denoise.ts';`, `import { c } from '../electron/main.ts';`, `export const x = [a, b, c];`].join('\n');
  assert.deepEqual(await restricted('main/app/probe.ts', sideways), [1, 3]);
  assert.deepEqual(await restricted('shared/probe.ts', `import { a } from '../main/io/index.ts';\nexport const x = a;`), [1]);
});
