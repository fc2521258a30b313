/**
 * Packaging without packaging: electron-builder.yml is checked against electron-builder's own
 * configuration schema (the check `npm run dist` would run first), and against what the app needs
 * at run time (entry points the build produces, native modules outside the asar, optional tfjs
 * native backends, an icon large enough for every platform).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { mainBundleOptions, preloadBundleOptions } from '../../../scripts/bundle-options.mjs';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const require = createRequire(import.meta.url);

interface BuilderConfig {
  appId: string;
  files: string[];
  asarUnpack: string[];
  linux: { target: string[]; icon: string };
  win: { target: string[]; icon: string };
  mac: { target: string[]; icon: string };
  [k: string]: unknown;
}

function loadConfig(): BuilderConfig {
  const yaml = require('js-yaml') as { load(s: string): unknown };
  return yaml.load(readFileSync(`${root}electron-builder.yml`, 'utf8')) as BuilderConfig;
}

async function validate(config: unknown): Promise<void> {
  const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
    validateConfiguration(c: unknown, logger: unknown): Promise<void>;
  };
  const { DebugLogger } = require('builder-util/out/DebugLogger') as { DebugLogger: new (enabled: boolean) => unknown };
  await validateConfiguration(config, new DebugLogger(false));
}

test('electron-builder.yml passes electron-builder’s schema (and a broken one does not)', async () => {
  const config = loadConfig();
  await validate(structuredClone(config));
  // The schema check coerces types but refuses unknown keys: misspelt options do not pass silently.
  await assert.rejects(validate({ ...structuredClone(config), asarUnpackk: [] }), /unknown property 'asarUnpackk'/);
  await assert.rejects(validate({ ...structuredClone(config), nsis: { oneClik: false } }), /configuration\.nsis/);
});

test('installers for every platform, native code unpacked, entry point built by scripts/build.mjs', () => {
  const config = loadConfig();
  assert.match(config.appId, /^[a-z]+(\.[a-z0-9]+)+$/);
  assert.deepEqual(config.linux.target, ['AppImage', 'deb']);
  assert.deepEqual(config.win.target, ['nsis']);
  assert.deepEqual(config.mac.target, ['dmg']);
  assert.ok(config.asarUnpack.includes('node_modules/onnxruntime-node/**'));
  assert.ok(config.asarUnpack.some((p) => p.startsWith('node_modules/@tensorflow/tfjs-node/')));
  assert.ok(config.files.includes('dist/main/**/*') && config.files.includes('dist/renderer/**/*'));

  const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
  assert.equal(pkg.main, 'dist/main/electron-main.js');
  // The entries scripts/build.mjs bundles are the ones package.json and main.ts expect.
  const main = mainBundleOptions(root, 'dist/main');
  // step-worker: the ONNX training engine's worker thread, found next to the module that loads it.
  assert.deepEqual(Object.keys(main.entryPoints as Record<string, string>), ['electron-main', 'job-worker', 'step-worker']);
  assert.equal(main.outdir, 'dist/main');
  assert.equal(pkg.main, `${main.outdir}/electron-main.js`);
  assert.deepEqual(preloadBundleOptions(root, 'dist/main').outExtension, { '.js': '.cjs' });
  // build.mjs bundles main into OUT/main, where OUT is the project's dist/ unless --out names another.
  const build = readFileSync(`${root}scripts/build.mjs`, 'utf8');
  assert.match(build, /mainBundleOptions\(root, `\$\{out\}\/main`\)/);
  assert.match(build, /const out = [^\n]*: `\$\{root\}dist`;/);
  assert.ok(pkg.optionalDependencies['@tensorflow/tfjs-node'], 'tfjs-node is optional: the app falls back to WASM');
  assert.ok(!pkg.dependencies['@tensorflow/tfjs-node']);
  assert.match(pkg.scripts.start, /scripts\/build\.mjs && electron \./);
  assert.match(pkg.scripts.dist, /electron-builder --config electron-builder\.yml/);

  // electron-builder makes .ico/.icns from a PNG of at least 512×512.
  for (const icon of new Set([config.linux.icon, config.win.icon, config.mac.icon])) {
    const png = readFileSync(`${root}${icon}`);
    assert.deepEqual([...png.subarray(1, 4)], [...Buffer.from('PNG')]);
    assert.ok(png.readUInt32BE(16) >= 512 && png.readUInt32BE(20) >= 512, `${icon} is at least 512×512`);
  }
});
