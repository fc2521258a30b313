/**
 * The rules every writer of this project follows before it writes (main/io/README.md, "Safety"):
 *
 * - an output is never an input, never inside an input folder and never a folder holding an input;
 * - an existing output is replaced only with `overwrite`, and then only when it is a file (or a
 *   link to one) or a folder this tool wrote itself (it carries OWNER_MARKER); any other folder is
 *   refused whatever the flags say, so no user folder is ever deleted;
 * - special files (FIFOs, devices, sockets) are never written to or replaced;
 * - the output's folder must exist.
 *
 * `checkOutputPath` runs these checks; workflows call it before any work starts, and the writers
 * call it again just before they publish their result.
 */
import { lstat, open, readdir, readFile, realpath, rm, stat, type FileHandle } from 'node:fs/promises';
import { constants, mkdtempSync, readFileSync, statSync, symlinkSync, type Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve, isAbsolute } from 'node:path';
import { StackFileError } from './errors.ts';

/** Marker file inside a folder (an OME-Zarr) that this tool wrote: only such folders are replaced. */
export const OWNER_MARKER = '.n2s-written';
/** Marker file inside an OME-Zarr that is still being written; readers refuse the volume. */
export const INCOMPLETE_MARKER = '.n2s-incomplete';

export interface OutputPathOptions {
  /** Files or folders read by the job: the output may not be, contain or lie inside any of them. */
  inputs?: readonly (string | undefined)[];
  /** Replace an existing file or n2s-written folder (never anything else). */
  overwrite?: boolean;
}

export interface OutputPathState {
  /** Absolute path of the output. */
  path: string;
  /** What is there now. */
  existing: 'none' | 'file' | 'owned-folder';
}

async function lstatOrNull(p: string): Promise<Stats | null> {
  try {
    return await lstat(p);
  } catch {
    return null;
  }
}

/** The real path of p, or of its nearest existing ancestor joined with the rest. */
export async function canonicalPath(p: string): Promise<string> {
  const abs = resolve(p);
  const rest: string[] = [];
  let cur = abs;
  for (;;) {
    try {
      const real = await realpath(cur);
      return rest.length ? join(real, ...rest.reverse()) : real;
    } catch {
      const parent = dirname(cur);
      if (parent === cur) return abs;
      rest.push(basename(cur));
      cur = parent;
    }
  }
}

/** Whether `inner` is `outer` or lies inside it (both canonical). */
export function isWithin(inner: string, outer: string): boolean {
  const rel = relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function specialKind(s: Stats): string | undefined {
  if (s.isFIFO()) return 'a named pipe (FIFO)';
  if (s.isSocket()) return 'a socket';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  return undefined;
}

/** Whether `dir` is a folder this tool wrote (it carries OWNER_MARKER, a regular file). */
export async function isOwnedFolder(dir: string): Promise<boolean> {
  const m = await lstatOrNull(join(dir, OWNER_MARKER));
  if (!m?.isFile()) return false;
  try {
    const j = JSON.parse(await readFile(join(dir, OWNER_MARKER), 'utf8')) as { software?: unknown };
    return j.software === 'Noise2Stack Studio';
  } catch {
    return false;
  }
}

/**
 * Whether `name` is a hidden sibling `.<root's name>.<pid>.<8 hex>.<suffix>` of `root` (a temporary
 * file or folder of our writers) whose writing process is gone: a killed writer's leftover. A live
 * writer (this process included; EPERM: another user's) keeps its temporaries.
 */
export function leftByDeadWriter(name: string, root: string, suffixes: readonly string[]): boolean {
  const prefix = `.${basename(root)}.`;
  if (!name.startsWith(prefix)) return false;
  const suffix = suffixes.find((s) => name.endsWith(`.${s}`));
  if (suffix === undefined) return false;
  const m = /^(\d+)\.[0-9a-f]{8}$/.exec(name.slice(prefix.length, name.length - suffix.length - 1));
  if (!m) return false;
  try {
    process.kill(Number(m[1]), 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'EPERM';
  }
}

/**
 * Removes what a killed folder writer (OME-Zarr, a model export; SIGKILL: no clean-up ran) left
 * next to `root`: hidden `.NAME.PID.RAND.n2s-partial` / `.n2s-old` folders whose process is gone and
 * that carry the owner marker. Anything else is left alone.
 */
export async function removeDeadPartialFolders(root: string): Promise<void> {
  const names = await readdir(dirname(root)).catch(() => [] as string[]);
  for (const name of names) {
    if (!leftByDeadWriter(name, root, ['n2s-partial', 'n2s-old'])) continue;
    const p = join(dirname(root), name);
    if (await isOwnedFolder(p)) await rm(p, { recursive: true, force: true });
  }
}

/** The JSON stored in OWNER_MARKER. */
export function ownerMarkerText(kind: string): string {
  return JSON.stringify({ software: 'Noise2Stack Studio', kind, note: 'written by n2s; n2s replaces this folder only with --overwrite' }) + '\n';
}

/**
 * Refuses (StackFileError, one line) an output path that breaks the rules above; returns what is
 * at the path now. Call it before any work starts and again right before publishing.
 */
export async function checkOutputPath(output: string, opts: OutputPathOptions = {}): Promise<OutputPathState> {
  const abs = resolve(output);
  const target = await canonicalPath(abs);
  for (const input of opts.inputs ?? []) {
    if (!input) continue;
    const src = await canonicalPath(input);
    if (src === target) throw new StackFileError(output, 'is the input file; refusing to write over it (choose another output name)');
    if (isWithin(src, target)) throw new StackFileError(output, `contains the input ${basename(src)}; refusing to write over it (choose another output name)`);
    if (isWithin(target, src) && (await lstatOrNull(src))?.isDirectory()) {
      throw new StackFileError(output, `lies inside the input folder ${basename(src)}; refusing to write into an input (choose another output name)`);
    }
  }
  const parent = await lstatOrNull(dirname(abs)).then(async (s) => (s?.isSymbolicLink() ? stat(dirname(abs)).catch(() => null) : s));
  if (!parent?.isDirectory()) throw new StackFileError(output, `output folder ${dirname(abs)} does not exist`);
  const here = await lstatOrNull(abs);
  if (!here) return { path: abs, existing: 'none' };
  // A link is judged by what it points to (a dangling link counts as a file: renaming replaces the link).
  const s = here.isSymbolicLink() ? ((await stat(abs).catch(() => null)) ?? here) : here;
  const special = specialKind(s);
  if (special) throw new StackFileError(output, `is ${special}, not a file; refusing to write to it`);
  if (s.isDirectory()) {
    const owned = await isOwnedFolder(abs);
    if (!owned) {
      throw new StackFileError(output, 'is an existing folder that n2s did not write; refusing to replace it, even with --overwrite (choose a new output name)');
    }
    if (!opts.overwrite) throw new StackFileError(output, 'already exists; refusing to replace it (pass --overwrite to replace it)');
    return { path: abs, existing: 'owned-folder' };
  }
  if (!opts.overwrite) throw new StackFileError(output, 'already exists; refusing to replace it (pass --overwrite to replace it)');
  return { path: abs, existing: 'file' };
}

const recovered = new Map<string, string>();

/**
 * Node decodes the command line as UTF-8, so a file name that is not valid UTF-8 (Latin-1 names
 * from old systems, Windows shares) arrives with U+FFFD in place of its bytes and cannot be
 * opened by that string. On Linux the exact bytes are in /proc/self/cmdline: the file is reached
 * through a symbolic link with a UTF-8 name in a private temporary folder (removed at exit by
 * the CLI's clean-up, main/io/atomic.ts). Returns `path` unchanged in every other case.
 */
function recoverNonUtf8Name(path: string): string {
  if (!path.includes('\uFFFD')) return path;
  const known = recovered.get(path);
  if (known) return known;
  let cmdline: Buffer;
  try {
    cmdline = readFileSync('/proc/self/cmdline');
  } catch {
    return path;
  }
  const args: Buffer[] = [];
  for (let i = 0, start = 0; i <= cmdline.length; i++) {
    if (i === cmdline.length || cmdline[i] === 0) {
      if (i > start) args.push(cmdline.subarray(start, i));
      start = i + 1;
    }
  }
  const want = resolve(path);
  for (const raw of args) {
    if (resolve(raw.toString('utf8')) !== want) continue;
    const abs = raw[0] === 0x2f ? raw : Buffer.concat([Buffer.from(process.cwd() + '/'), raw]);
    try {
      statSync(abs);
    } catch {
      continue;
    }
    const dir = mkdtempSync(join(tmpdir(), 'n2s-name-'));
    const link = join(dir, basename(want).replace(/\uFFFD/g, '?'));
    symlinkSync(abs, link);
    onRecovered?.(dir);
    recovered.set(path, link);
    return link;
  }
  return path;
}

/** Set by atomic.ts: registers the private folders of recovered names for removal at exit. */
let onRecovered: ((dir: string) => void) | undefined;
export function setRecoveredNameHook(hook: (dir: string) => void): void {
  onRecovered = hook;
}

/**
 * The path to read an input from: a non-UTF-8 name recovered (see above), and the file checked
 * to exist and not to be a special file. Readers call this before opening anything.
 */
export async function resolveInput(path: string): Promise<string> {
  const p = recoverNonUtf8Name(path);
  await checkInputPath(p);
  return p;
}

/**
 * Opens an input file for reading without ever blocking: O_NONBLOCK makes open() of a FIFO
 * return at once, and anything but a regular file is refused before a byte is read.
 */
export async function openInputFile(path: string): Promise<FileHandle> {
  let fh: FileHandle;
  try {
    fh = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new StackFileError(path, 'no such file or folder');
    if (code === 'EACCES' || code === 'EPERM') throw new StackFileError(path, 'permission denied');
    if (code === 'EISDIR') throw new StackFileError(path, 'is a folder, not a file');
    if (code === 'ENXIO') throw new StackFileError(path, 'is a socket or a device without a reader, not a stack file; refusing to read it');
    throw new StackFileError(path, `cannot open: ${(e as Error).message.split('\n')[0]}`);
  }
  try {
    const s = await fh.stat();
    const special = specialKind(s);
    if (special) throw new StackFileError(path, `is ${special}, not a stack file; refusing to read it`);
    if (s.isDirectory()) throw new StackFileError(path, 'is a folder, not a file');
    return fh;
  } catch (e) {
    await fh.close().catch(() => {});
    throw e;
  }
}

/** Refuses special files (FIFO, device, socket) as inputs before anything opens them (a FIFO blocks open()). */
export async function checkInputPath(input: string): Promise<Stats> {
  let s: Stats;
  try {
    s = await stat(input);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new StackFileError(input, 'no such file or folder');
    if (code === 'EACCES' || code === 'EPERM') throw new StackFileError(input, 'permission denied');
    if (code === 'ELOOP') throw new StackFileError(input, 'too many levels of symbolic links');
    throw new StackFileError(input, `cannot be read (${code ?? (e as Error).message})`);
  }
  const special = specialKind(s);
  if (special) throw new StackFileError(input, `is ${special}, not a stack file; refusing to read it`);
  return s;
}
