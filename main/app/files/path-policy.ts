/**
 * Which files main will read or write for a renderer. The renderer is treated as untrusted: it can
 * only name paths that the user chose in a dialog, that the app created, or that lie under roots
 * main itself trusts (samples, the app's output folder; in the browser bridge, the roots given on
 * its command line, which play the role of the in-app file dialog's reach).
 */
import { realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { DeniedError } from '../ipc/dispatcher.ts';

export class PathPolicy {
  private files = new Set<string>();
  private roots: string[] = [];
  private writeRoots: string[] = [];

  constructor(roots: string[] = []) {
    for (const r of roots) this.allowRoot(r);
  }

  /** A path the user picked in a dialog, or that the app wrote. */
  allowFile(path: string): void {
    this.files.add(canonical(path));
  }

  /** Everything below this folder; `readOnly` roots (the shipped samples) are never written. */
  allowRoot(dir: string, opts: { readOnly?: boolean } = {}): void {
    const c = canonical(dir);
    this.roots.push(c);
    if (!opts.readOnly) this.writeRoots.push(c);
  }

  isAllowed(path: string): boolean {
    if (!isAbsolute(path)) return false;
    const p = canonical(path);
    if (this.files.has(p)) return true;
    return this.roots.some((r) => p === r || isInside(r, p));
  }

  /** Browsing (listing folders) is only possible inside roots. */
  canBrowse(dir: string): boolean {
    if (!isAbsolute(dir)) return false;
    const p = canonical(dir);
    return this.roots.some((r) => p === r || isInside(r, p));
  }

  browseRoots(): string[] {
    return [...this.roots];
  }

  assertReadable(path: string): string {
    if (!this.isAllowed(path)) {
      throw new DeniedError(`not allowed to open ${path}: choose it with File › Open first`);
    }
    return resolve(path);
  }

  /** The exact path chosen in a dialog, or anywhere inside a writable root. */
  assertWritable(path: string): string {
    const ok = isAbsolute(path) && (this.files.has(canonical(path)) || this.writeRoots.some((r) => isInside(r, canonical(path))));
    if (!ok) throw new DeniedError(`not allowed to write ${path}: choose it with a save dialog first`);
    return resolve(path);
  }
}

function isInside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) && !rel.split(sep).includes('..');
}

/** Resolves symlinks of the existing part of a path, so a link cannot lead out of a root. */
function canonical(path: string): string {
  const abs = resolve(path);
  try {
    return realpathSync(abs);
  } catch {
    const parent = dirname(abs);
    if (parent === abs) return abs;
    return resolve(canonical(parent), abs.slice(parent.length + (parent.endsWith(sep) ? 0 : 1)));
  }
}
