/**
 * Writes a package (file name -> bytes) as a folder or, when the target ends in .zip, as one zip
 * archive (fflate). Both are atomic: a temporary sibling is completed first and then renamed into
 * place, so an interrupted export never leaves a half-written package under the final name.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { zipSync } from 'fflate';
import { OWNER_MARKER, isOwnedFolder, ownerMarkerText } from '../../../io/output-path.ts';

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

export class OutputExistsError extends Error {}

/** Atomic single-file write (temp file in the same folder, then rename). */
export async function writeFileAtomic(path: string, data: Uint8Array, overwrite = false): Promise<void> {
  if (!overwrite && (await exists(path))) throw new OutputExistsError(`${path} already exists (use --force to replace it)`);
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${randomBytes(4).toString('hex')}`);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

export async function writePackage(files: Map<string, Uint8Array>, out: string, overwrite = false): Promise<'zip' | 'folder'> {
  if (out.toLowerCase().endsWith('.zip')) {
    // Compressed entries; .onnx and .npy float data shrink little, but rdf.yaml/docs do.
    await writeFileAtomic(out, zipSync(Object.fromEntries(files), { level: 6 }), overwrite);
    return 'zip';
  }
  const present = await exists(out);
  if (present && !overwrite && (await readdir(out).catch(() => ['(a file)'])).length > 0) {
    throw new OutputExistsError(`${out} already exists and is not empty (use --force to replace it)`);
  }
  // --force replaces only a package folder n2s wrote (it carries OWNER_MARKER): never a user's
  // folder (main/io/README.md, "Safety").
  if (present && (await stat(out)).isDirectory() && (await readdir(out)).length > 0 && !(await isOwnedFolder(out))) {
    throw new OutputExistsError(`${out} is a folder n2s did not write; refusing to replace it, even with --force (choose a new name)`);
  }
  await mkdir(dirname(out), { recursive: true });
  const tmp = join(dirname(out), `.${basename(out)}.tmp-${randomBytes(4).toString('hex')}`);
  try {
    await mkdir(tmp);
    for (const [name, data] of files) await writeFile(join(tmp, name), data);
    await writeFile(join(tmp, OWNER_MARKER), ownerMarkerText('bioimage.io package'));
    if (present) {
      const old = `${tmp}-old`;
      await rename(out, old);
      await rename(tmp, out);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(tmp, out);
    }
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  return 'folder';
}
