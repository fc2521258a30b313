/**
 * What a TIFF's pages mean: which page (and sample) holds plane (channel, z, time) for each
 * flavour (ImageJ hyperstack, OME-TIFF, plain multi-page), with voxel size and checks that every
 * plane the stack needs exists and agrees with the first.
 */
import { basename } from 'node:path';
import type { Flavour, VoxelSize } from '../../../shared/stack.ts';
import type { StackInfo } from '../types.ts';
import { canonicalUnit, unitFactor } from '../units.ts';
import { checkCompression, sampleType } from './decode.ts';
import { isImageJDescription, parseIJMetadata, parseImageJDescription } from './imagej.ts';
import { isOmeDescription, omePlaneIndex, parseOmeXml } from './ome.ts';
import { TiffFormatError, type Ifd, type TiffStructure } from './structure.ts';

/** A TIFF whose axes are understood: which page holds plane (c, z, t), and which sample of it. */
export interface TiffLayout {
  info: StackInfo;
  /** The page and the sample within it that hold plane (c, z, t). */
  locate(c: number, z: number, t: number): { ifd: Ifd; sample: number };
  structure: TiffStructure;
}

/** Upper bound on planes in one file, so a header cannot make us loop or allocate without end. */
const MAX_PLANES = 1_000_000;

const COMPRESSION: Record<number, string> = { 1: 'none', 5: 'LZW', 8: 'Deflate', 32946: 'Deflate', 32773: 'PackBits', 50000: 'Zstd' };

export function layoutOf(structure: TiffStructure, path: string): TiffLayout {
  // Reduced-resolution pages (thumbnails, pyramid levels) are not planes of the stack.
  const pages = structure.ifds.filter((ifd) => (ifd.subfileType & 1) === 0);
  if (pages.length === 0) throw new TiffFormatError('the file holds only reduced-resolution pages');
  const p0 = pages[0];
  refuseColour(p0);
  checkCompression(p0);
  const st = sampleType(p0);
  const desc = p0.description;
  const details: StackInfo['details'] = {
    pages: pages.length,
    compression: COMPRESSION[p0.compression] ?? String(p0.compression),
    byteOrder: structure.littleEndian ? 'little-endian' : 'big-endian',
    bigTiff: structure.bigTiff,
    layout: p0.tiled ? `tiles ${p0.blockWidth}×${p0.blockHeight}` : `strips of ${p0.blockHeight} rows`,
  };
  if (p0.software) details.software = p0.software;

  const found = desc !== undefined && isImageJDescription(desc)
    ? imagejAxes(desc, pages, structure, st.bytes)
    : desc !== undefined && isOmeDescription(desc)
      ? omeAxes(desc, p0, structure, path)
      : plainAxes(desc, pages);
  const { flavour, sizes, pageOf, description, channelNames, axisOrder } = found;
  const voxelSize = found.voxelSize ?? resolutionVoxel(p0);
  Object.assign(details, found.details);

  // Samples of one page act as channels when there is more than one and they are not colour.
  const spp = p0.samplesPerPixel;
  const locate = (c: number, z: number, t: number) => {
    const ifd = pageOf(c, z, t);
    return { ifd, sample: spp > 1 ? c % spp : 0 };
  };
  checkPagesAgree(p0, sizes, locate);

  const dims: Record<string, number> = { T: sizes.T, Z: sizes.Z, C: sizes.C };
  const axes = axisOrder.split('').filter((a) => dims[a] > 1 || (a === 'Z' && sizes.C === 1 && sizes.T === 1));
  const info: StackInfo = {
    path,
    flavour,
    axes: axes.join('') + 'YX',
    shape: [...axes.map((a) => dims[a]), p0.height, p0.width],
    dtype: st.dtype,
    voxelSize,
    channels: sizes.C,
    times: sizes.T,
    depth: sizes.Z,
    height: p0.height,
    width: p0.width,
    channelNames,
    description,
    details,
  };
  return { info, locate, structure };
}

/** How a flavour maps (channel, z, time) to pages, and what it says about the stack. */
interface Axes {
  flavour: Flavour;
  sizes: { C: number; Z: number; T: number };
  pageOf: (c: number, z: number, t: number) => Ifd;
  /** Undefined: take the voxel size from the resolution tags. */
  voxelSize?: VoxelSize;
  description?: string;
  channelNames?: string[];
  /** File axes slowest first, for reporting. */
  axisOrder: string;
  details: StackInfo['details'];
}

/** ImageJ hyperstack: pages C fastest, then Z, then T; XResolution is pixels per `unit`. */
function imagejAxes(desc: string, pages: Ifd[], structure: TiffStructure, sampleBytes: number): Axes {
  const p0 = pages[0];
  const ij = parseImageJDescription(desc);
  const images = ij.images ?? pages.length;
  const C = ij.channels ?? 1;
  const T = ij.frames ?? 1;
  const Z = ij.slices ?? Math.max(1, Math.floor(images / (C * T)));
  for (const [k, v] of Object.entries({ images, channels: C, slices: Z, frames: T })) {
    if (!Number.isSafeInteger(v) || v < 1) throw new TiffFormatError(`ImageJ description declares ${k}=${v}`);
  }
  if (C * Z * T !== images) throw new TiffFormatError(`ImageJ description is inconsistent: channels×slices×frames = ${C * Z * T} but images=${images}`);
  const planes = virtualPages(pages, images, sampleBytes * p0.samplesPerPixel, structure.size);
  if (images > MAX_PLANES) throw new TiffFormatError(`ImageJ description declares ${images} images; more than ${MAX_PLANES} planes are not supported`);
  let { unit, x, y } = resolutionVoxel(p0);
  if (ij.unit !== undefined) {
    // With a unit in the description, XResolution is pixels per that unit whatever
    // ResolutionUnit says; without one, the tags speak for themselves (inch/cm → micron).
    unit = canonicalUnit(ij.unit);
    x = p0.xResolution && p0.xResolution > 0 ? 1 / p0.xResolution : 1;
    y = p0.yResolution && p0.yResolution > 0 ? 1 / p0.yResolution : x;
  }
  const ours = Object.entries(ij.extra).filter(([k]) => k.startsWith('n2s.'));
  return {
    flavour: 'imagej',
    sizes: { C, Z, T },
    pageOf: (c, z, t) => planes((t * Z + z) * C + c),
    voxelSize: { x, y, z: ij.spacing && ij.spacing > 0 ? ij.spacing : 1, unit },
    description: ij.extra['n2s.description'] ?? (ours.length ? ours.map(([k, v]) => `${k}=${v}`).join('; ') : undefined),
    channelNames: ij.extra['n2s.channel'] ? [ij.extra['n2s.channel']] : labelledChannels(p0, C),
    axisOrder: 'TZC',
    details: { imagej: `images=${images} channels=${C} slices=${Z} frames=${T}${ij.hyperstack ? ' hyperstack' : ''}` },
  };
}

/** Channel names from ImageJ's slice labels of the first C planes (z = 0, t = 0), if all are set. */
function labelledChannels(p0: Ifd, C: number): string[] | undefined {
  if (!p0.ijMetadata) return undefined;
  const labels = parseIJMetadata(p0.ijMetadata.counts, p0.ijMetadata.data).labels?.slice(0, C).map((l) => l.trim());
  return labels && labels.length === C && labels.every((l) => l.length > 0) ? labels : undefined;
}

/** OME-TIFF: planes in DimensionOrder, placed in IFDs by TiffData; sizes in physical units. */
function omeAxes(desc: string, p0: Ifd, structure: TiffStructure, path: string): Axes {
  const ome = parseOmeXml(desc);
  if (ome.sizeX !== p0.width || ome.sizeY !== p0.height) {
    throw new TiffFormatError(`OME-XML says ${ome.sizeX}×${ome.sizeY} pixels but the first page is ${p0.width}×${p0.height}`);
  }
  // Interleaved samples count as OME channels (SamplesPerPixel>1 with SizeC covering them).
  const spp = p0.samplesPerPixel;
  const cPages = Math.max(1, Math.floor(ome.sizeC / spp));
  const size = { Z: ome.sizeZ, C: cPages, T: ome.sizeT };
  // Checked before anything is sized by it: SizeZ="1000000000" must not allocate or loop.
  const planes = ome.sizeZ * cPages * ome.sizeT;
  if (planes > structure.ifds.length) {
    throw new TiffFormatError(`OME-XML declares ${planes} planes (SizeZ=${ome.sizeZ} SizeC=${ome.sizeC} SizeT=${ome.sizeT}) but the file has ${structure.ifds.length} pages; it is truncated, or a multi-file OME-TIFF (not supported)`);
  }
  const map = ome.planeToIfd(structure.ifds.length, basename(path));
  const pageOf = (c: number, z: number, t: number): Ifd => {
    const idx = map[omePlaneIndex(ome.dimensionOrder, size, { Z: z, C: Math.floor(c / spp), T: t })];
    const ifd = idx >= 0 ? structure.ifds[idx] : undefined;
    if (!ifd) throw new TiffFormatError(`OME-XML places plane z=${z} c=${c} t=${t} outside this file (multi-file OME-TIFF is not supported)`);
    return ifd;
  };
  // Check every plane is present now rather than failing halfway through a long job.
  for (let t = 0; t < ome.sizeT; t++) for (let c = 0; c < cPages; c++) for (let z = 0; z < ome.sizeZ; z++) pageOf(c * spp, z, t);
  const details: StackInfo['details'] = { ome: `DimensionOrder=${ome.dimensionOrder} SizeZ=${ome.sizeZ} SizeC=${ome.sizeC} SizeT=${ome.sizeT}` };
  if (ome.imageCount > 1) details.series = `${ome.imageCount} images in the file; reading the first${ome.imageName ? ` ("${ome.imageName}")` : ''}`;
  return {
    flavour: 'ome',
    sizes: { C: ome.sizeC, Z: ome.sizeZ, T: ome.sizeT },
    pageOf,
    voxelSize: { x: ome.physical.x ?? 1, y: ome.physical.y ?? ome.physical.x ?? 1, z: ome.physical.z ?? 1, unit: ome.physical.unit },
    description: ome.description,
    channelNames: ome.channelNames.length ? ome.channelNames : undefined,
    axisOrder: ome.dimensionOrder.slice(2).split('').reverse().join(''),
    details,
  };
}

/**
 * Plain multi-page TIFF: every page is a Z plane; non-colour samples of a pixel are channels.
 * tifffile's "shaped" description ({"shape": [...], "axes": "TCZYX"}) gives the leading axes: with
 * labels T/C/Z they are used as such; several unlabelled leading axes (tifffile's default, "QQQ")
 * cannot be told apart, so such a file is refused rather than read as one long Z-stack.
 */
function plainAxes(desc: string | undefined, pages: Ifd[]): Axes {
  const shaped = desc?.startsWith('{') ? tifffileShape(desc) : undefined;
  const plain: Axes = {
    flavour: 'plain',
    sizes: { C: pages[0].samplesPerPixel, Z: pages.length, T: 1 },
    pageOf: (_c, z) => pages[z],
    description: desc && !desc.startsWith('{') ? desc : undefined,
    axisOrder: 'TZC',
    details: shaped ? { tifffileShape: shaped.shape.join('×') } : {},
  };
  if (!shaped || pages[0].samplesPerPixel !== 1 || shaped.shape.length < 3) return plain;
  const lead = shaped.shape.slice(0, -2);
  if (lead.reduce((a, b) => a * b, 1) !== pages.length) return plain;
  const letters = shaped.axes?.length === shaped.shape.length ? shaped.axes.toUpperCase().slice(0, -2).split('') : undefined;
  const real = lead.map((n, i) => ({ n, i, a: letters?.[i] })).filter((d) => d.n > 1);
  if (real.length <= 1 && (!letters || real.every((d) => d.a === 'Z' || d.a === 'Q' || d.a === 'I'))) return plain;
  const shape = shaped.shape.join('×');
  if (!letters) {
    throw new TiffFormatError(`tifffile TIFF of shape ${shape} without axis labels: n2s cannot tell which dimension is Z (save it with axes, e.g. tifffile.imwrite(..., metadata={'axes': 'TCZYX'}), or as an ImageJ hyperstack)`);
  }
  const odd = real.find((d) => !'TCZ'.includes(d.a!));
  if (odd || new Set(real.map((d) => d.a)).size !== real.length) {
    throw new TiffFormatError(`tifffile TIFF of shape ${shape} with axes ${shaped.axes}: ${odd ? `axis ${odd.a} is not time (T), channel (C) or Z` : 'an axis is repeated'}; n2s cannot tell which planes form the stack`);
  }
  const size = (a: string) => real.find((d) => d.a === a)?.n ?? 1;
  // Row-major page order over the leading axes as stored (slowest first).
  const strides = new Map<string, number>();
  let stride = 1;
  for (let k = lead.length - 1; k >= 0; k--) {
    if (letters[k] && lead[k] > 1) strides.set(letters[k], stride);
    stride *= lead[k];
  }
  const order = real.map((d) => d.a!).join('') + ['T', 'Z', 'C'].filter((a) => !real.some((d) => d.a === a)).join('');
  return {
    ...plain,
    sizes: { C: size('C'), Z: size('Z'), T: size('T') },
    pageOf: (c, z, t) => pages[c * (strides.get('C') ?? 0) + z * (strides.get('Z') ?? 0) + t * (strides.get('T') ?? 0)],
    axisOrder: order,
    details: { tifffileShape: `${shape} (axes ${shaped.axes})` },
  };
}

function tifffileShape(desc: string): { shape: number[]; axes?: string } | undefined {
  try {
    const v = JSON.parse(desc) as { shape?: unknown; axes?: unknown };
    if (!Array.isArray(v.shape) || !v.shape.every((n) => Number.isInteger(n) && n >= 0)) return undefined;
    return { shape: v.shape as number[], ...(typeof v.axes === 'string' ? { axes: v.axes } : {}) };
  } catch {
    return undefined;
  }
}

function refuseColour(p: Ifd): void {
  // Photometric 2 RGB, 5 CMYK, 6 YCbCr, 8 CIELab: colour, never planes of a stack.
  const colour = p.photometric === 2 || p.photometric === 6 || p.photometric === 8 || p.photometric === 5;
  const alpha = p.extraSamples.some((e) => e === 1 || e === 2);
  if (colour) {
    throw new TiffFormatError(
      `is an RGB${alpha || p.samplesPerPixel > 3 ? '(A)' : ''} colour image (${p.samplesPerPixel} samples per pixel); ` +
        'n2s denoises single-channel stacks: split the colour channels first (Fiji: Image › Color › Split Channels) and denoise each',
    );
  }
  if (alpha) {
    throw new TiffFormatError(`is a grayscale image with an alpha channel (${p.samplesPerPixel} samples per pixel); remove the alpha channel first (Fiji: Image › Type › 8-bit or 16-bit)`);
  }
}

function resolutionVoxel(p: Ifd): VoxelSize {
  const xr = p.xResolution;
  const yr = p.yResolution ?? xr;
  // ResolutionUnit 2 = inch, 3 = centimetre; 1 = none (then the numbers carry no length).
  const unit = p.resolutionUnit === 3 ? 'cm' : p.resolutionUnit === 2 ? 'inch' : undefined;
  if (!unit || !xr || !yr || !(xr > 0) || !(yr > 0)) return { x: 1, y: 1, z: 1, unit: 'pixel' };
  const f = unitFactor(unit, 'micron') ?? 1;
  const x = f / xr;
  const y = f / yr;
  // 72 dpi is a "no information" default of many writers, not a pixel size.
  if (unit === 'inch' && Math.abs(xr - 72) < 1e-9) return { x: 1, y: 1, z: 1, unit: 'pixel' };
  return { x, y, z: 1, unit: 'micron' };
}

/**
 * ImageJ writes stacks over 4 GB with a single IFD and the planes stored back to back after it
 * (images=N, one page). Those planes become virtual pages sharing the first page's tags.
 */
function virtualPages(pages: Ifd[], images: number, bytesPerPixel: number, fileSize: number): (k: number) => Ifd {
  if (pages.length >= images) return (k) => pages[k];
  const p0 = pages[0];
  const planeBytes = p0.width * p0.height * bytesPerPixel;
  const contiguous = p0.compression === 1 && !p0.tiled && p0.offsets.every((o, i) => i === 0 || o === p0.offsets[i - 1] + p0.byteCounts[i - 1]);
  if (pages.length !== 1 || !contiguous) {
    throw new TiffFormatError(`ImageJ description declares ${images} images but the file has ${pages.length} pages`);
  }
  const end = p0.offsets[0] + images * planeBytes;
  if (!Number.isSafeInteger(end) || end > fileSize) {
    const held = Math.floor((fileSize - p0.offsets[0]) / planeBytes);
    throw new TiffFormatError(`ImageJ description declares ${images} images but the file holds data for only ${held}; the file is truncated or the header is wrong`);
  }
  // Made on demand: a million tiny planes must not become a million objects up front.
  return (k) => (k === 0 ? p0 : { ...p0, offsets: p0.offsets.map((o) => o + k * planeBytes) });
}

function checkPagesAgree(p0: Ifd, sizes: { C: number; Z: number; T: number }, locate: TiffLayout['locate']): void {
  // By IFD offset: virtual pages (ImageJ's one-IFD layout) share the first page's and are checked once.
  const seen = new Set<number>();
  for (let t = 0; t < sizes.T; t++) {
    for (let z = 0; z < sizes.Z; z++) {
      for (let c = 0; c < sizes.C; c++) {
        const { ifd } = locate(c, z, t);
        if (seen.has(ifd.offset)) continue;
        seen.add(ifd.offset);
        if (ifd.width !== p0.width || ifd.height !== p0.height) {
          throw new TiffFormatError(`inconsistent page sizes: plane z=${z} c=${c} t=${t} is ${ifd.width}×${ifd.height}, the first is ${p0.width}×${p0.height}`);
        }
        if (ifd.bitsPerSample !== p0.bitsPerSample || ifd.sampleFormat !== p0.sampleFormat || ifd.samplesPerPixel !== p0.samplesPerPixel) {
          throw new TiffFormatError(`inconsistent pages: plane z=${z} c=${c} t=${t} has a different sample type from the first page`);
        }
        checkCompression(ifd);
      }
    }
  }
}

