// esbuild options for the Electron bundles, shared by scripts/build.mjs and the test that starts
// the bundled main process (test/unit/app/electron-main.test.ts), so the test checks what ships.
//
// Main and worker keep npm packages external (they ship in node_modules; native ones such as
// onnxruntime-node cannot be bundled) and use code splitting: job kinds are imported lazily, and
// without splitting esbuild would hoist their engines' imports (tfjs, onnxruntime-node) to the top
// of the main bundle, loading them into the main process at start. Chunks sit next to the entries
// (no subfolder) so `new URL('./job-worker.js', import.meta.url)` resolves from any of them.
// The sandboxed preload may only require('electron'), so everything else is bundled into it.
//
// The command line ships the same way (dist/cli/, docs/engines.md "Start-up"): node runs the
// bundle directly instead of compiling TypeScript through tsx at every start. Its commands and
// engines stay in lazily imported chunks, so `n2s --help` loads one small file.

/** @param {string} root project folder @param {string} outdir */
export function mainBundleOptions(root, outdir) {
  return {
    absWorkingDir: root,
    // step-worker: the ONNX training engine's worker thread (main/engine/onnx/train/worker-engine.ts
    // looks for step-worker.js next to the module that loads it; without it training runs in-process).
    entryPoints: {
      'electron-main': 'main/electron/main.ts',
      'job-worker': 'main/app/jobs/worker-entry.ts',
      'step-worker': 'main/engine/onnx/train/step-worker.ts',
    },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    chunkNames: '[name]-[hash]',
    sourcemap: true,
    logLevel: 'warning',
    // Vite/tsx only exist in development; the bundle never reaches the code that imports them.
    external: ['electron', 'vite', 'tsx', 'tsx/*'],
  };
}

/** @param {string} root @param {string} outdir */
export function preloadBundleOptions(root, outdir) {
  return {
    absWorkingDir: root,
    entryPoints: { preload: 'main/electron/preload.ts' },
    outdir,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    outExtension: { '.js': '.cjs' },
    sourcemap: true,
    logLevel: 'warning',
    external: ['electron'],
  };
}

/** Packages the CLI bundle leaves to node_modules: native code, and tfjs (large, loaded on demand). */
export const CLI_EXTERNAL_PACKAGES = ['onnxruntime-node', 'onnxruntime-common', '@tensorflow/*', 'ws'];

/**
 * The `n2s` command line: dist/cli/n2s.js (bin/n2s.mjs imports it when it is up to date) and the
 * ONNX training engine's step worker, which main/engine/onnx/train/worker-engine.ts looks for next
 * to the chunk that loads it. dist/cli sits two folders below the project, as main/engine does, so
 * paths such as `new URL('../../assets/…', import.meta.url)` resolve the same from either.
 * @param {string} root @param {string} outdir
 */
export function cliBundleOptions(root, outdir) {
  return {
    absWorkingDir: root,
    entryPoints: {
      n2s: 'scripts/cli-entry.ts',
      'step-worker': 'main/engine/onnx/train/step-worker.ts',
    },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Unlike the app's bundle, the small pure-JavaScript packages (zod, geotiff, fflate, zarrita,
    // onnx-proto/protobufjs, fft.js) are bundled in: Node loads each of their many files (and
    // scans each CommonJS one for its exports) at every command, which cost more than the
    // command's own code. Native and large packages stay in node_modules and load on demand.
    external: [...CLI_EXTERNAL_PACKAGES, 'electron', 'vite', 'tsx', 'tsx/*'],
    // CommonJS packages bundled into ESM chunks may still call require() on Node built-ins.
    banner: { js: "import { createRequire as __n2sCreateRequire } from 'node:module'; const require = __n2sCreateRequire(import.meta.url);" },
    chunkNames: '[name]-[hash]',
    sourcemap: true,
    // bin/n2s.mjs reads the inputs to tell whether the bundle is older than the sources.
    metafile: true,
    logLevel: 'warning',
  };
}
