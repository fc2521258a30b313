import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

// The viewer's layering (docs/architecture.md): shared/viewer is pure code both processes may use;
// renderer/viewer and renderer/state run in the page, never import main/ nor Node built-ins.
const root = join(import.meta.dirname, '../../..');
const files = (dir: string): string[] =>
  readdirSync(join(root, dir)).flatMap((n) => {
    const p = join(dir, n);
    return statSync(join(root, p)).isDirectory() ? files(p) : /\.tsx?$/.test(n) ? [p] : [];
  });
const importsOf = (file: string): string[] =>
  [...readFileSync(join(root, file), 'utf8').matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);

test('viewer code imports neither main/ nor Node built-ins; shared/viewer imports only shared/', () => {
  const bad: string[] = [];
  for (const f of [...files('renderer/viewer'), ...files('renderer/state'), ...files('shared/viewer')]) {
    for (const spec of importsOf(f)) {
      const resolved = spec.startsWith('.') ? relative(root, join(root, f, '..', spec)) : spec;
      if (resolved.startsWith('main/') || spec.startsWith('node:')) bad.push(`${f} → ${spec}`);
      if (f.startsWith('shared/') && spec.startsWith('.') && !resolved.startsWith('shared/')) bad.push(`${f} → ${spec}`);
      if (f.startsWith('shared/') && !spec.startsWith('.') && spec !== 'zod') bad.push(`${f} → ${spec}`);
    }
  }
  assert.deepEqual(bad, []);
  assert.ok(files('renderer/viewer').length > 10, 'the scan sees the viewer sources');
});
