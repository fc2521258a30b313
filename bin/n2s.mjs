#!/usr/bin/env node
// Entry of the `n2s` command line. It runs the precompiled bundle dist/cli/n2s.js (built by
// `npm run build` and at install by the `prepare` script) when that bundle is up to date with the
// sources it was built from; otherwise (a fresh checkout without a build, an edited source) it
// compiles the TypeScript sources on the fly with tsx, as in development. N2S_CLI=tsx or
// N2S_CLI=bundle forces one way (bundle: an error when it is missing or stale).
// Start-up time matters here (docs/engines.md, "Start-up"): only node: built-ins are imported
// before the choice is made.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const want = process.env.N2S_CLI;

/** Why the bundle cannot be used, or null when it is up to date. */
function bundleProblem() {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(new URL('dist/cli/inputs.json', root), 'utf8'));
  } catch {
    return 'dist/cli is not built (npm run build)';
  }
  for (const [file, [size, mtime, sha1]] of Object.entries(stamp.files)) {
    const url = new URL(file, root);
    let s;
    try {
      s = statSync(url);
    } catch {
      return `${file} is gone`;
    }
    // Same time: unchanged. Another time (a checkout, an unpacked npm package): compare contents.
    if (s.size !== size || (s.mtimeMs !== mtime && createHash('sha1').update(readFileSync(url)).digest('hex') !== sha1)) {
      return `${file} changed since dist/cli was built`;
    }
  }
  return null;
}

const problem = want === 'tsx' ? 'N2S_CLI=tsx' : bundleProblem();
if (process.env.N2S_CLI_TRACE) process.stderr.write(`n2s: ${problem ? `tsx (${problem})` : 'dist/cli bundle'}\n`);
if (!problem) {
  await import('../dist/cli/n2s.js');
} else if (want === 'bundle') {
  process.stderr.write(`n2s: N2S_CLI=bundle, but ${problem}\n`);
  process.exitCode = 70;
} else {
  // Worker threads started by the services register tsx themselves.
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../main/cli/index.ts');
  process.exitCode = await main(process.argv.slice(2));
}
