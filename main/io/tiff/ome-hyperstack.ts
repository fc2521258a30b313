/**
 * The parts of OME-XML a whole hyperstack needs beyond ome.ts (which reads sizes, order, physical
 * sizes and channel names for one stack): channel colours, the time increment, and writing an
 * Image with several channels and time points in any DimensionOrder.
 */
import { canonicalTimeUnit, hexToOmeColor, omeColorToHex, type ChannelMeta, type TimeIncrement } from '../../../shared/hyperstack.ts';
import { omeUnit } from '../units.ts';

function attrs(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/([A-Za-z_:][\w:.-]*)\s*=\s*("([^"]*)"|'([^']*)')/g)) out[m[1]] = m[3] ?? m[4] ?? '';
  return out;
}

/** Channel colours (by Channel element, first Image) and TimeIncrement of an OME-XML document. */
export function parseOmeExtras(xml: string): { colors: (string | undefined)[]; timeIncrement?: TimeIncrement } {
  const img = /<(?:\w+:)?Image[\s>][\s\S]*?<\/(?:\w+:)?Image>/.exec(xml)?.[0] ?? '';
  const colors = [...img.matchAll(/<(?:\w+:)?Channel\b[^>]*>/g)].map((m) => {
    const c = attrs(m[0]).Color;
    const v = c === undefined ? NaN : Number(c);
    return Number.isInteger(v) ? omeColorToHex(v) : undefined;
  });
  const pix = attrs(/<(?:\w+:)?Pixels\b[^>]*>/.exec(img)?.[0] ?? '');
  const ti = pix.TimeIncrement === undefined ? NaN : Number(pix.TimeIncrement);
  // OME's default TimeIncrementUnit is the second.
  const timeIncrement = Number.isFinite(ti) && ti > 0 ? { value: ti, unit: canonicalTimeUnit(pix.TimeIncrementUnit ?? 's') ?? 's' } : undefined;
  return { colors, timeIncrement };
}

const OME_TIME_UNIT: Record<string, string> = { s: 's', ms: 'ms', us: 'µs', min: 'min', h: 'h' };

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export interface OmeHyperWriteSpec {
  name: string;
  /** "XY" + the order of Z, C and T, fastest first, e.g. "XYZCT" or "XYCZT". */
  dimensionOrder: string;
  sizeX: number;
  sizeY: number;
  sizeZ: number;
  sizeC: number;
  sizeT: number;
  type: 'uint8' | 'uint16' | 'int16' | 'float';
  voxel: { x: number; y: number; z: number; unit: string };
  timeIncrement?: TimeIncrement;
  channels: ChannelMeta[];
  description?: string;
  uuid: string;
  software: string;
}

/** OME-XML for one Image whose SizeZ×SizeC×SizeT planes are IFDs 0… of this file, in DimensionOrder. */
export function formatOmeHyperXml(s: OmeHyperWriteSpec): string {
  const u = omeUnit(s.voxel.unit);
  const phys = u
    ? ` PhysicalSizeX="${s.voxel.x}" PhysicalSizeXUnit="${u}" PhysicalSizeY="${s.voxel.y}" PhysicalSizeYUnit="${u}" PhysicalSizeZ="${s.voxel.z}" PhysicalSizeZUnit="${u}"`
    : '';
  const tu = s.timeIncrement ? OME_TIME_UNIT[s.timeIncrement.unit] : undefined;
  const time = s.timeIncrement && tu ? ` TimeIncrement="${s.timeIncrement.value}" TimeIncrementUnit="${tu}"` : '';
  const desc = s.description ? `<Description>${escapeXml(s.description)}</Description>` : '';
  const channels = Array.from({ length: s.sizeC }, (_, c) => {
    const ch = s.channels[c] ?? {};
    const name = ch.name ? ` Name="${escapeXml(ch.name)}"` : '';
    const colour = ch.color !== undefined ? hexToOmeColor(ch.color) : undefined;
    return `<Channel ID="Channel:0:${c}"${name}${colour !== undefined ? ` Color="${colour}"` : ''} SamplesPerPixel="1"/>`;
  }).join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06" ' +
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ' +
    'xsi:schemaLocation="http://www.openmicroscopy.org/Schemas/OME/2016-06 http://www.openmicroscopy.org/Schemas/OME/2016-06/ome.xsd" ' +
    `UUID="urn:uuid:${s.uuid}" Creator="${escapeXml(s.software)}">` +
    `<Image ID="Image:0" Name="${escapeXml(s.name)}">${desc}` +
    `<Pixels ID="Pixels:0" DimensionOrder="${s.dimensionOrder}" Type="${s.type}" SizeX="${s.sizeX}" SizeY="${s.sizeY}" SizeZ="${s.sizeZ}" SizeC="${s.sizeC}" SizeT="${s.sizeT}"${phys}${time} BigEndian="false">` +
    channels +
    `<TiffData IFD="0" PlaneCount="${s.sizeZ * s.sizeC * s.sizeT}"/>` +
    '</Pixels></Image></OME>'
  );
}
