/**
 * OME-XML (the ImageDescription of an OME-TIFF's first page): just what a stack needs, read from
 * the first Image. A regular-expression reader suffices because OME-XML attributes are flat and
 * we need a handful; the writer emits the 2016-06 schema that Bio-Formats, tifffile and napari read.
 */
import { canonicalUnit, convertLength } from '../units.ts';
import { formatOmeHyperXml } from './ome-hyperstack.ts';

export interface OmePixels {
  dimensionOrder: string;
  sizeX: number;
  sizeY: number;
  sizeZ: number;
  sizeC: number;
  sizeT: number;
  type?: string;
  physical: { x?: number; y?: number; z?: number; unit: string };
  channelNames: string[];
  description?: string;
  imageName?: string;
  /** Number of Image elements (series) in the file; we read the first. */
  imageCount: number;
  /** Linear plane index (in dimensionOrder) → IFD index, or -1 when the plane is not in this file. */
  planeToIfd: (count: number, fileName?: string) => Int32Array;
}

export function isOmeDescription(d: string | undefined): boolean {
  return d !== undefined && /<OME[\s>]/.test(d);
}

function attrs(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/([A-Za-z_:][\w:.-]*)\s*=\s*("([^"]*)"|'([^']*)')/g)) {
    out[m[1]] = decodeXml(m[3] ?? m[4] ?? '');
  }
  return out;
}

function decodeXml(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_, e: string) => {
    if (e === 'lt') return '<';
    if (e === 'gt') return '>';
    if (e === 'amp') return '&';
    if (e === 'quot') return '"';
    if (e === 'apos') return "'";
    return String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
  });
}

function posInt(v: string | undefined, name: string, dflt?: number): number {
  if (v === undefined) {
    if (dflt !== undefined) return dflt;
    throw new Error(`OME-XML: Pixels has no ${name}`);
  }
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`OME-XML: ${name}="${v}" is not a positive integer`);
  return n;
}

export function parseOmeXml(xml: string): OmePixels {
  const image = /<(?:\w+:)?Image[\s>][\s\S]*?<\/(?:\w+:)?Image>/.exec(xml);
  if (!image) throw new Error('OME-XML has no Image element');
  const img = image[0];
  const imageTag = /<(?:\w+:)?Image\b[^>]*>/.exec(img)?.[0] ?? '';
  const pixTag = /<(?:\w+:)?Pixels\b[^>]*>/.exec(img)?.[0];
  if (!pixTag) throw new Error('OME-XML Image has no Pixels element');
  const a = attrs(pixTag);
  const order = a.DimensionOrder ?? 'XYZCT';
  if (!/^XY[ZCT]{3}$/.test(order) || new Set(order).size !== 5) throw new Error(`OME-XML: unknown DimensionOrder "${order}"`);
  const sizeX = posInt(a.SizeX, 'SizeX');
  const sizeY = posInt(a.SizeY, 'SizeY');
  const sizeZ = posInt(a.SizeZ, 'SizeZ', 1);
  const sizeC = posInt(a.SizeC, 'SizeC', 1);
  const sizeT = posInt(a.SizeT, 'SizeT', 1);
  // Sizes may use different units; express all three in X's unit.
  const unitX = canonicalUnit(a.PhysicalSizeXUnit ?? 'µm');
  const num = (v: string | undefined) => (v !== undefined && Number.isFinite(Number(v)) && Number(v) > 0 ? Number(v) : undefined);
  const conv = (v: number | undefined, u: string | undefined) => (v === undefined ? undefined : (convertLength(v, u ?? 'µm', unitX) ?? v));
  const physical = {
    x: num(a.PhysicalSizeX),
    y: conv(num(a.PhysicalSizeY), a.PhysicalSizeYUnit),
    z: conv(num(a.PhysicalSizeZ), a.PhysicalSizeZUnit),
    unit: a.PhysicalSizeX !== undefined ? unitX : 'pixel',
  };
  const named = [...img.matchAll(/<(?:\w+:)?Channel\b[^>]*>/g)].map((m) => attrs(m[0]).Name);
  const channelNames = named.some((n) => n !== undefined) ? named.map((n, i) => n ?? `C${i}`) : [];
  const description = /<(?:\w+:)?Description>([\s\S]*?)<\/(?:\w+:)?Description>/.exec(img)?.[1];
  const tiffData = [...img.matchAll(/<(?:\w+:)?TiffData\b[^>]*?(\/>|>[\s\S]*?<\/(?:\w+:)?TiffData>)/g)].map((m) => m[0]);
  const planeToIfd = (count: number, fileName?: string): Int32Array => {
    const total = sizeZ * sizeC * sizeT;
    if (total > 1e8) throw new Error(`OME-XML declares ${total} planes`);
    const map = new Int32Array(total).fill(-1);
    if (tiffData.length === 0) {
      for (let i = 0; i < Math.min(total, count); i++) map[i] = i;
      return map;
    }
    const sizes: Record<string, number> = { Z: sizeZ, C: sizeC, T: sizeT };
    const referenced = new Set(tiffData.map((td) => /<(?:\w+:)?UUID\b[^>]*FileName\s*=\s*"([^"]*)"/.exec(td)?.[1] ?? ''));
    for (const td of tiffData) {
      const t = attrs(/<(?:\w+:)?TiffData\b[^>]*>/.exec(td)?.[0] ?? '');
      // A TiffData that names another file holds planes we cannot read from this one.
      const uuid = /<(?:\w+:)?UUID\b[^>]*FileName\s*=\s*"([^"]*)"/.exec(td);
      // A renamed single-file OME-TIFF still names its old self: one file name means this file.
      if (uuid && fileName !== undefined && uuid[1] !== fileName && referenced.size > 1) continue;
      const ifd0 = t.IFD !== undefined ? Number(t.IFD) : 0;
      const first: Record<string, number> = { Z: Number(t.FirstZ ?? 0), C: Number(t.FirstC ?? 0), T: Number(t.FirstT ?? 0) };
      let start = 0;
      let stride = 1;
      for (const d of order.slice(2)) {
        start += first[d] * stride;
        stride *= sizes[d];
      }
      const n = t.PlaneCount !== undefined ? Number(t.PlaneCount) : t.IFD !== undefined ? 1 : total;
      if (![ifd0, start, n].every((v) => Number.isSafeInteger(v) && v >= 0)) throw new Error('OME-XML: malformed TiffData');
      for (let k = 0; k < n && start + k < total; k++) map[start + k] = ifd0 + k < count ? ifd0 + k : -1;
    }
    return map;
  };
  return {
    dimensionOrder: order,
    sizeX, sizeY, sizeZ, sizeC, sizeT,
    type: a.Type,
    physical,
    channelNames,
    description: description === undefined ? undefined : decodeXml(description),
    imageName: attrs(imageTag).Name,
    imageCount: [...xml.matchAll(/<(?:\w+:)?Image[\s>]/g)].length,
    planeToIfd,
  };
}

/** Linear plane index of (z, c, t) in an OME DimensionOrder. */
export function omePlaneIndex(order: string, sizes: { Z: number; C: number; T: number }, at: { Z: number; C: number; T: number }): number {
  let idx = 0;
  let stride = 1;
  for (const d of order.slice(2) as Iterable<'Z' | 'C' | 'T'>) {
    idx += at[d] * stride;
    stride *= sizes[d];
  }
  return idx;
}

export interface OmeWriteSpec {
  name: string;
  sizeX: number;
  sizeY: number;
  sizeZ: number;
  type: 'uint8' | 'uint16' | 'int16' | 'float';
  voxel: { x: number; y: number; z: number; unit: string };
  channelName?: string;
  description?: string;
  uuid: string;
  software: string;
}

/** OME-XML for one single-channel ZYX image stored as IFDs 0..Z-1 of this file: the hyperstack's with C = T = 1. */
export function formatOmeXml(s: OmeWriteSpec): string {
  return formatOmeHyperXml({
    ...s,
    dimensionOrder: 'XYZCT',
    sizeC: 1,
    sizeT: 1,
    channels: [s.channelName ? { name: s.channelName } : {}],
  });
}
