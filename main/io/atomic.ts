/**
 * Atomic output: write to a temporary file in the target folder, then publish it under the final
 * name, so a crash or a refused input never leaves a half-written file under the final name.
 *
 * - Without overwrite the temporary file is published with link() + unlink(): link fails if the
 *   name exists, so "refuse an existing output" holds at the moment of publishing, even when two
 *   jobs race for the same new name. With overwrite it is a rename().
 * - Every temporary path is registered while it lives; `installTempCleanup()` (called once by the
 *   CLI entry) removes the registered ones on SIGINT/SIGTERM and at exit.
 */
import { link, lstat, open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import { rmSync, unlinkSync, lstatSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { StackFileError } from './errors.ts';
import { checkOutputPath, leftByDeadWriter, setRecoveredNameHook } from './output-path.ts';

export { checkOutputPath, checkInputPath, openInputFile, resolveInput, OWNER_MARKER, INCOMPLETE_MARKER } from './output-path.ts';

/** Temporary files and folders written right now by this process (removed on a signal). */
const liveTemps = new Set<string>();

/** Registers a temporary path; the returned function releases it (after a rename or an unlink). */
export function registerTemp(path: string): () => void {
  const abs = resolve(path);
  liveTemps.add(abs);
  return () => {
    liveTemps.delete(abs);
  };
}

/** The registered temporary paths (for tests and for diagnostics). */
export function liveTempPaths(): string[] {
  return [...liveTemps];
}

/** Removes every registered temporary path now (synchronously: it runs in signal and exit handlers). */
export function removeLiveTemps(): void {
  for (const p of liveTemps) {
    try {
      if (lstatSync(p).isDirectory()) rmSync(p, { recursive: true, force: true });
      else unlinkSync(p);
    } catch {
      // Already gone (renamed into place or removed by its writer).
    }
    liveTemps.delete(p);
  }
}

// The private folders that give non-UTF-8 input names a readable path go at exit too.
setRecoveredNameHook((dir) => void registerTemp(dir));

let installed = false;

/**
 * Removes temporary files on SIGINT/SIGTERM and at exit. When a command has its own handler for
 * the signal (train stops after the epoch), that handler decides and the temporary files go in the
 * writers' own clean-up; otherwise the process ends with 128 + the signal number, as a shell expects.
 */
export function installTempCleanup(): void {
  if (installed) return;
  installed = true;
  process.on('exit', removeLiveTemps);
  for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.on(sig, function onSignal() {
      if (process.listenerCount(sig) > 1) return;
      removeLiveTemps();
      process.exit(code);
    });
  }
}

/**
 * Test hook of the OME-Zarr writers: with N2S_FAULT_ZARR_AFTER_CHUNKS=N the process kills itself
 * (SIGKILL, no clean-up can run) after its N-th chunk write, as a crashed or killed job would.
 */
export function zarrFaultPoint(written: number): void {
  if (written === Number(process.env.N2S_FAULT_ZARR_AFTER_CHUNKS ?? NaN)) process.kill(process.pid, 'SIGKILL');
}

/** A hidden name next to `abs` for a temporary file or folder of this process. */
export function tempNameFor(abs: string, suffix = 'tmp'): string {
  return join(dirname(abs), `.${basename(abs)}.${process.pid}.${randomBytes(4).toString('hex')}.${suffix}`);
}

/** Refuses to write over an input (ever) or over an existing output (unless overwrite). */
export async function checkTarget(path: string, opts: { overwrite?: boolean; protect?: (string | undefined)[] }): Promise<void> {
  await checkOutputPath(path, { overwrite: opts.overwrite, inputs: opts.protect });
}

/**
 * Publishes the finished temporary file `tmp` as `abs`: link-then-unlink without overwrite (fails
 * if the name was taken meanwhile), rename with overwrite.
 */
async function publish(tmp: string, abs: string, path: string, overwrite: boolean): Promise<void> {
  if (overwrite) {
    await rename(tmp, abs);
    return;
  }
  try {
    await link(tmp, abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new StackFileError(path, 'appeared while it was being written (another job?); refusing to replace it (pass --overwrite to replace it)');
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw e;
    // No hard links on this file system (FAT, some network shares): claim the name exclusively,
    // then rename over the claim (ours).
    const claim = await open(abs, 'wx').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'EEXIST') throw new StackFileError(path, 'appeared while it was being written (another job?); refusing to replace it (pass --overwrite to replace it)');
      throw err;
    });
    await claim.close();
    await rename(tmp, abs);
    return;
  }
  await unlink(tmp);
}

/**
 * Removes the temporary files a killed writer (SIGKILL, power loss: no handler runs) left next to
 * `abs`: `.NAME.PID.RAND.tmp` of this very name whose process is gone. Nothing else is touched.
 */
async function removeStaleTemps(abs: string): Promise<void> {
  const names = await readdir(dirname(abs)).catch(() => [] as string[]);
  for (const name of names) {
    if (!leftByDeadWriter(name, abs, ['tmp'])) continue;
    const p = join(dirname(abs), name);
    if ((await lstat(p).catch(() => undefined))?.isFile()) await unlink(p).catch(() => {});
  }
}

/**
 * Runs `write` on a temporary file next to `path`, then publishes it under `path`. The output
 * rules (checkOutputPath) are checked again just before publishing.
 */
export async function writeAtomically<T>(
  path: string,
  write: (fh: FileHandle) => Promise<T>,
  opts: { overwrite?: boolean; protect?: (string | undefined)[] } = {},
): Promise<T> {
  const abs = resolve(path);
  await removeStaleTemps(abs);
  const tmp = tempNameFor(abs);
  const release = registerTemp(tmp);
  let fh: FileHandle;
  try {
    fh = await open(tmp, 'wx');
  } catch (e) {
    release();
    throw new StackFileError(path, `cannot create a file in ${dirname(abs)}: ${(e as Error).message}`);
  }
  let ok = false;
  try {
    const result = await write(fh);
    await fh.sync();
    await fh.close();
    await checkOutputPath(abs, { overwrite: opts.overwrite, inputs: opts.protect });
    await publish(tmp, abs, path, opts.overwrite === true);
    ok = true;
    return result;
  } catch (e) {
    // System errors (disk full, permissions) become one line naming the file; others pass.
    const code = (e as NodeJS.ErrnoException).code;
    if (!(e instanceof StackFileError) && typeof code === 'string' && /^E[A-Z]+$/.test(code)) throw new StackFileError(path, `write failed: ${(e as Error).message}`);
    throw e;
  } finally {
    if (!ok) {
      await fh.close().catch(() => {});
      await unlink(tmp).catch(() => {});
    }
    release();
  }
}
