/**
 * The machine's answer to `--engine auto`, kept between commands (docs/engines.md, "Start-up").
 * Choosing costs more than a small denoise: loading tfjs to try tfjs-node-gpu, opening ONNX
 * Runtime sessions on each GPU provider and timing a calibration tile against the CPU. The answer
 * depends only on this machine and on the installed engine packages, so it is written once to a
 * JSON file in the user's cache folder and reused while its key still matches: the versions of
 * this app and of the engine packages, platform, architecture, CPU model and count. `n2s engines
 * --bench` writes a fresh answer from its measurements; N2S_ENGINE_CACHE=off disables the file.
 * A cache that cannot be read or written is no error: the choice is then made as without it.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, cpus, homedir, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { Provider, TFJS_BACKENDS } from '../../shared/config/enums.ts';

/** What `auto` resolved to: an engine and its provider (onnx) or backend (tfjs). */
export const EngineChoice = z.object({
  engine: z.enum(['onnx', 'tfjs']),
  provider: Provider.exclude(['auto']).optional(),
  backend: z.enum(TFJS_BACKENDS).optional(),
});
export type EngineChoice = z.infer<typeof EngineChoice>;

const CacheFile = z.object({
  key: z.string(),
  /** The answer to `--engine auto` (absent while only `--engine onnx` has been asked). */
  predict: EngineChoice.optional(),
  /** ONNX Runtime's provider for `--engine onnx` with the provider left to auto (its calibration's verdict). */
  onnxProvider: Provider.exclude(['auto']).optional(),
  /** How the answer was found ('auto' on first use, 'bench' from n2s engines --bench) and when. */
  source: z.enum(['auto', 'bench']),
  savedAt: z.string(),
});

/** The cache file: N2S_CACHE_DIR, else the platform's per-user cache folder. */
export function engineCachePath(env: NodeJS.ProcessEnv = process.env): string {
  const base =
    env.N2S_CACHE_DIR ??
    (platform() === 'win32'
      ? join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'noise2stack')
      : platform() === 'darwin'
        ? join(homedir(), 'Library', 'Caches', 'noise2stack')
        : join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'noise2stack'));
  return join(base, 'engines.json');
}

const ENGINE_PACKAGES = ['onnxruntime-node', '@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'];

function packageVersion(name: string): string {
  const req = createRequire(import.meta.url);
  try {
    // A package's entry lies inside its folder; walk up to the package.json that names it.
    let dir = dirname(req.resolve(name));
    for (let i = 0; i < 6; i++) {
      try {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (pkg.name === name) return pkg.version ?? '?';
      } catch {
        // no package.json at this level
      }
      dir = dirname(dir);
    }
    return '?';
  } catch {
    return 'absent';
  }
}

/** What the answer depends on; any change makes the cached answer void. */
export function machineKey(): string {
  const c = cpus();
  const parts = [
    `app ${appVersion()}`,
    ...ENGINE_PACKAGES.map((p) => `${p} ${packageVersion(p)}`),
    `${platform()} ${arch()}`,
    `${c.length}× ${c[0]?.model.trim() ?? 'unknown cpu'}`,
  ];
  return parts.join('; ');
}

function appVersion(): string {
  // main/engine/ and dist/cli/ are both two folders below the project's package.json.
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

const disabled = (env: NodeJS.ProcessEnv) => env.N2S_ENGINE_CACHE === 'off';

type CacheFile = z.infer<typeof CacheFile>;

/** This machine's cache file, or null (none, another machine or version, unreadable, disabled). */
function readCache(env: NodeJS.ProcessEnv): CacheFile | null {
  if (disabled(env)) return null;
  try {
    const parsed = CacheFile.safeParse(JSON.parse(readFileSync(engineCachePath(env), 'utf8')));
    return parsed.success && parsed.data.key === machineKey() ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The cached answer for this machine, or null (none, another machine or version, unreadable). */
export function readEngineChoice(env: NodeJS.ProcessEnv = process.env): EngineChoice | null {
  return readCache(env)?.predict ?? null;
}

/**
 * ONNX Runtime's provider on this machine when the provider is left to auto: the `--engine onnx`
 * verdict if one was kept, else the provider of an ONNX `--engine auto` answer (the same
 * calibration). Without it every `--engine onnx` command timed the GPU providers again, in process.
 */
export function readOnnxProvider(env: NodeJS.ProcessEnv = process.env): Exclude<Provider, 'auto'> | null {
  const c = readCache(env);
  return c?.onnxProvider ?? (c?.predict?.engine === 'onnx' ? (c.predict.provider ?? null) : null);
}

/**
 * Keeps the `--engine auto` answer, and any ONNX provider verdict already kept beside it (a bench
 * drops that verdict: its fresh answer is the one to follow, through readOnnxProvider's fallback).
 */
export function writeEngineChoice(choice: EngineChoice, source: 'auto' | 'bench', env: NodeJS.ProcessEnv = process.env): void {
  const kept = source === 'bench' ? undefined : readCache(env)?.onnxProvider;
  writeCache({ key: machineKey(), predict: EngineChoice.parse(choice), onnxProvider: kept, source, savedAt: new Date().toISOString() }, env);
}

/** Keeps the ONNX provider verdict beside the `--engine auto` answer, if any. */
export function writeOnnxProvider(provider: Exclude<Provider, 'auto'>, env: NodeJS.ProcessEnv = process.env): void {
  const c = readCache(env);
  writeCache({ key: machineKey(), predict: c?.predict, onnxProvider: provider, source: c?.source ?? 'auto', savedAt: new Date().toISOString() }, env);
}

/** Written whole through a temporary file, so a reader never sees half. */
function writeCache(body: CacheFile, env: NodeJS.ProcessEnv): void {
  if (disabled(env)) return;
  const path = engineCachePath(env);
  try {
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(body, null, 2) + '\n');
    renameSync(tmp, path);
  } catch {
    // A read-only home or a full disk only costs the next command its start-up time.
  }
}

/** The choice a loaded engine stands for (its report as the predictor describes itself). */
export function choiceOf(report: { engine: 'onnx' | 'tfjs'; backend: string; provider?: string }): EngineChoice | null {
  const parsed = EngineChoice.safeParse(report.engine === 'onnx' ? { engine: 'onnx', provider: report.provider ?? report.backend } : { engine: 'tfjs', backend: report.backend });
  return parsed.success ? parsed.data : null;
}

/** `--engine auto`'s order of preference (docs/engines.md): GPU providers, tfjs-node-gpu, ONNX Runtime's CPU, the rest. */
function preference(r: { engine: 'onnx' | 'tfjs'; name: string }): number {
  if (r.engine === 'onnx') return r.name === 'cpu' ? 2 : 0;
  // tensorflow-gpu before ONNX Runtime's CPU provider (2), the other tfjs backends after it.
  const i = (TFJS_BACKENDS as readonly string[]).indexOf(r.name);
  return i < 0 ? 9 : i === 0 ? 1 : i + 2;
}

/**
 * The answer measured by `n2s engines --bench`: the engine that ran the bench plane fastest
 * (pure-JS tfjs is timed on a smaller plane and never wins against one that ran the full size).
 * A single plane's time is noisy on a busy machine, so an engine within 20 % of the fastest that
 * comes earlier in auto's order keeps its place.
 */
export function choiceFromBench(rows: { engine: 'onnx' | 'tfjs'; name: string; status: string; seconds?: number; size?: number }[]): EngineChoice | null {
  const timed = rows.filter((r) => r.status === 'ok' && r.seconds !== undefined && r.size !== undefined);
  const full = Math.max(0, ...timed.map((r) => r.size!));
  const atFull = timed.filter((r) => r.size === full);
  if (atFull.length === 0) return null;
  const fastest = Math.min(...atFull.map((r) => r.seconds!));
  const best = atFull.filter((r) => r.seconds! <= 1.2 * fastest).sort((a, b) => preference(a) - preference(b) || a.seconds! - b.seconds!)[0];
  return choiceOf({ engine: best.engine, backend: best.name, provider: best.engine === 'onnx' ? best.name : undefined });
}
