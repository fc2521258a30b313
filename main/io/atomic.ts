/**
 * Atomic output: write to a temporary file in the target folder, then rename over the target, so a
 * crash or a refused input never leaves a half-written file under the final name.
 */
import { open, realpath, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { StackFileError } from './errors.ts';

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

async function canonical(p: string): Promise<string> {
  const abs = resolve(p);
  try {
    return await realpath(abs);
  } catch {
    // Not existing yet: resolve the folder, keep the name.
    try {
      return join(await realpath(dirname(abs)), basename(abs));
    } catch {
      return abs;
    }
  }
}

/** Refuses to write over an input (ever) or over an existing file (unless overwrite). */
export async function checkTarget(path: string, opts: { overwrite?: boolean; protect?: (string | undefined)[] }): Promise<void> {
  const target = await canonical(path);
  for (const p of opts.protect ?? []) {
    if (p && (await canonical(p)) === target) {
      throw new StackFileError(path, 'is the input file; refusing to write over it (choose another output name)');
    }
  }
  if (!opts.overwrite && (await exists(target))) {
    throw new StackFileError(path, 'already exists; refusing to replace it (pass --overwrite to replace it)');
  }
  if (!(await exists(dirname(resolve(path))))) {
    throw new StackFileError(path, `output folder ${dirname(resolve(path))} does not exist`);
  }
}

/** Runs `write` on a temporary file next to `path`, then renames it into place. */
export async function writeAtomically<T>(path: string, write: (fh: FileHandle) => Promise<T>): Promise<T> {
  const abs = resolve(path);
  const tmp = join(dirname(abs), `.${basename(abs)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fh: FileHandle;
  try {
    fh = await open(tmp, 'wx');
  } catch (e) {
    throw new StackFileError(path, `cannot create a file in ${dirname(abs)}: ${(e as Error).message}`);
  }
  let ok = false;
  try {
    const result = await write(fh);
    await fh.sync();
    await fh.close();
    await rename(tmp, abs);
    ok = true;
    return result;
  } catch (e) {
    // System errors (disk full, permissions) become one line naming the file; others pass.
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) throw new StackFileError(path, `write failed: ${(e as Error).message}`);
    throw e;
  } finally {
    if (!ok) {
      await fh.close().catch(() => {});
      await unlink(tmp).catch(() => {});
    }
  }
}
