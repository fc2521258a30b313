/**
 * The ImageJ hyperstack description (first page's ImageDescription), as written by ImageJ's
 * FileSaver and tifffile: "ImageJ=1.11a\nimages=60\nchannels=2\nslices=30\nhyperstack=true\n...".
 * Pages are stored C fastest, then Z, then T.
 */
export interface ImageJDescription {
  images?: number;
  channels?: number;
  slices?: number;
  frames?: number;
  hyperstack?: boolean;
  unit?: string;
  spacing?: number;
  min?: number;
  max?: number;
  /** Keys we do not interpret, kept so they can be carried to the output. */
  extra: Record<string, string>;
}

export function isImageJDescription(d: string | undefined): boolean {
  return d !== undefined && d.startsWith('ImageJ=');
}

const NUMERIC = ['images', 'channels', 'slices', 'frames', 'spacing', 'min', 'max'] as const;

/** ImageJ escapes non-ASCII units as \uXXXX (e.g. "\u00B5m"). */
function unescapeUnicode(s: string): string {
  return s.replace(/\\u([0-9a-fA-F]{4})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

export function parseImageJDescription(d: string): ImageJDescription {
  const out: ImageJDescription = { extra: {} };
  for (const line of d.split(/\r?\n/)) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    const val = line.slice(eq + 1).trim();
    if ((NUMERIC as readonly string[]).includes(key)) {
      const v = Number(val);
      if (Number.isFinite(v)) out[key as (typeof NUMERIC)[number]] = v;
    } else if (key === 'hyperstack') {
      out.hyperstack = val === 'true';
    } else if (key === 'unit') {
      out.unit = unescapeUnicode(val);
    } else if (key !== 'ImageJ') {
      out.extra[key] = key.startsWith('n2s.') ? unescapeUnicode(val) : val;
    }
  }
  return out;
}

export interface ImageJWriteSpec {
  slices: number;
  channels?: number;
  frames?: number;
  unit?: string;
  spacing?: number;
  min: number;
  max: number;
  /** Channel display mode: "composite" shows coloured channels overlaid (default "grayscale"). */
  mode?: 'grayscale' | 'composite' | 'color';
  /** Our own keys (n2s.*): ImageJ ignores unknown keys, tifffile's imagej_metadata keeps them. */
  extra?: Record<string, string>;
}

/** The description ImageJ writes; "ImageJ=1.11a" is the version tifffile writes too. */
export function formatImageJDescription(s: ImageJWriteSpec): string {
  const c = s.channels ?? 1;
  const t = s.frames ?? 1;
  const lines = ['ImageJ=1.11a', `images=${c * s.slices * t}`];
  if (c > 1) lines.push(`channels=${c}`);
  if (s.slices > 1) lines.push(`slices=${s.slices}`);
  if (t > 1) lines.push(`frames=${t}`);
  if (c > 1 || t > 1) lines.push('hyperstack=true');
  if (c > 1) lines.push(`mode=${s.mode ?? 'grayscale'}`);
  // ImageJ's own escape for µ keeps the description 7-bit ASCII, as the TIFF spec asks.
  if (s.unit && s.unit !== 'pixel') lines.push(`unit=${s.unit.replace(/[^\x20-\x7e]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`)}`);
  if (s.spacing !== undefined && s.slices > 1) lines.push(`spacing=${s.spacing}`);
  lines.push('loop=false', `min=${s.min}`, `max=${s.max}`);
  for (const [k, v] of Object.entries(s.extra ?? {})) lines.push(`${k}=${v.replace(/[\r\n]+/g, ' ')}`);
  return lines.join('\n') + '\n';
}

/** What we take from ImageJ's IJMetadata: Info, slice labels, channel display ranges and LUTs. */
export interface IJMetadata {
  info?: string;
  labels?: string[];
  /** min0, max0, min1, max1, ... (one pair per channel). */
  ranges?: number[];
  /** One 768-byte LUT (256 R, 256 G, 256 B) per channel. */
  luts?: Uint8Array[];
}

/**
 * ImageJ's IJMetadata tag (50839, byte counts in 50838): "IJIJ" (big-endian) or "JIJI"
 * (little-endian), (type, count) pairs up to counts[0] bytes, then one UTF-16 string or blob per
 * count. We take Info, slice labels, ranges and LUTs; anything malformed is ignored (the metadata is extra).
 */
export function parseIJMetadata(counts: number[], data: Buffer): IJMetadata {
  if (data.length < 4 || counts.length < 1) return {};
  const magic = data.toString('latin1', 0, 4);
  if (magic !== 'IJIJ' && magic !== 'JIJI') return {};
  const le = magic === 'JIJI';
  const headerEnd = counts[0];
  if (headerEnd > data.length || (headerEnd - 4) % 8 !== 0) return {};
  const out: IJMetadata = {};
  let pos = headerEnd;
  let k = 1;
  for (let h = 4; h < headerEnd; h += 8) {
    const code = data.toString('latin1', h, h + 4);
    const type = le ? [...code].reverse().join('') : code;
    const n = le ? data.readUInt32LE(h + 4) : data.readUInt32BE(h + 4);
    const values: string[] = [];
    const ranges: number[] = [];
    const luts: Uint8Array[] = [];
    for (let i = 0; i < n; i++, k++) {
      const len = counts[k];
      if (len === undefined || pos + len > data.length) return out;
      if (type === 'info' || type === 'labl') values.push(utf16(data.subarray(pos, pos + len), le));
      // ImageJ writes all channels' (min, max) doubles as one entry; tifffile one entry per channel.
      if (type === 'rang') for (let o = 0; o + 8 <= len; o += 8) ranges.push(le ? data.readDoubleLE(pos + o) : data.readDoubleBE(pos + o));
      if (type === 'luts' && len === 768) luts.push(new Uint8Array(data.subarray(pos, pos + len)));
      pos += len;
    }
    if (type === 'info') out.info = values[0];
    if (type === 'labl') out.labels = values;
    if (type === 'rang' && ranges.length >= 2 && ranges.every(Number.isFinite)) out.ranges = ranges;
    if (type === 'luts' && luts.length) out.luts = luts;
  }
  return out;
}

function utf16(b: Buffer, le: boolean): string {
  if (le) return b.toString('utf16le');
  const swapped = Buffer.from(b.subarray(0, b.length & ~1));
  swapped.swap16();
  return swapped.toString('utf16le');
}
