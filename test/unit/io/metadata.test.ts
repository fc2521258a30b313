/** ImageJ description, OME-XML, units and rationals: the metadata that carries axes and scale. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { open } from 'node:fs/promises';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatImageJDescription, parseIJMetadata, parseImageJDescription } from '../../../main/io/tiff/imagej.ts';
import { formatOmeXml, omePlaneIndex, parseOmeXml } from '../../../main/io/tiff/ome.ts';
import { imagejMetadataEntries, toRational, writeTiff } from '../../../main/io/tiff/writer.ts';
import { canonicalUnit, unitFactor } from '../../../main/io/units.ts';
import { probeStack, readStack } from '../../../main/io/index.ts';
import { tempDir } from './helpers.ts';

test('ImageJ description: parse what ImageJ writes, including its \\u00B5m escape', () => {
  const d = parseImageJDescription('ImageJ=1.53t\nimages=24\nchannels=2\nslices=4\nframes=3\nhyperstack=true\nunit=\\u00B5m\nspacing=0.35\nloop=false\nmin=0.0\nmax=255.0\n');
  assert.deepEqual([d.images, d.channels, d.slices, d.frames, d.hyperstack, d.spacing], [24, 2, 4, 3, true, 0.35]);
  assert.equal(d.unit, 'µm');
  assert.equal(canonicalUnit(d.unit), 'micron');
  const w = formatImageJDescription({ slices: 5, unit: 'µm', spacing: 2, min: 0, max: 9, extra: { 'n2s.x': 'a=b' } });
  assert.match(w, /^ImageJ=1\.11a\nimages=5\nslices=5\nunit=\\u00B5m\nspacing=2\nloop=false\nmin=0\nmax=9\n/);
  assert.ok(!/hyperstack/.test(w), 'a plain Z-stack is not flagged as hyperstack');
});

test('OME-XML: DimensionOrder, TiffData offsets and mixed units', () => {
  const xml = `<?xml version="1.0"?><OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06"><Image ID="Image:0" Name="x">
    <Pixels DimensionOrder="XYCZT" Type="uint16" SizeX="4" SizeY="3" SizeZ="2" SizeC="2" SizeT="1"
      PhysicalSizeX="250" PhysicalSizeXUnit="nm" PhysicalSizeY="250" PhysicalSizeYUnit="nm" PhysicalSizeZ="1" PhysicalSizeZUnit="µm">
      <Channel ID="Channel:0:0" Name="GFP"/><Channel ID="Channel:0:1" Name="RFP"/>
      <TiffData IFD="1" FirstC="0" FirstZ="0" PlaneCount="4"/></Pixels></Image></OME>`;
  const o = parseOmeXml(xml);
  assert.equal(o.dimensionOrder, 'XYCZT');
  assert.deepEqual([o.sizeZ, o.sizeC, o.sizeT], [2, 2, 1]);
  assert.deepEqual(o.physical, { x: 250, y: 250, z: 1000, unit: 'nm' });
  assert.deepEqual(o.channelNames, ['GFP', 'RFP']);
  // C fastest: (z=1, c=0) is plane 2, stored in IFD 1 + 2.
  const idx = omePlaneIndex(o.dimensionOrder, { Z: 2, C: 2, T: 1 }, { Z: 1, C: 0, T: 0 });
  assert.equal(idx, 2);
  assert.deepEqual([...o.planeToIfd(5)], [1, 2, 3, 4]);
  assert.throws(() => parseOmeXml(xml.replace('XYCZT', 'XYZZT')), /unknown DimensionOrder/);
  const w = parseOmeXml(formatOmeXml({ name: 'a&b', sizeX: 4, sizeY: 3, sizeZ: 7, type: 'float', voxel: { x: 0.1, y: 0.2, z: 3, unit: 'micron' }, channelName: 'DAPI <1>', description: 'p="q"', uuid: '0', software: 'S' }));
  assert.deepEqual([w.sizeZ, w.physical.x, w.physical.y, w.physical.z, w.physical.unit, w.channelNames[0], w.description, w.imageName], [7, 0.1, 0.2, 3, 'micron', 'DAPI <1>', 'p="q"', 'a&b']);
});

test('units and rationals', () => {
  assert.equal(unitFactor('mm', 'micron'), 1000);
  assert.equal(unitFactor('pixel', 'mm'), undefined);
  assert.deepEqual(toRational(1 / 0.3), [10, 3]);
  assert.deepEqual(toRational(2.5), [5, 2]);
  const [p, q] = toRational(Math.PI);
  assert.ok(Math.abs(p / q - Math.PI) < 1e-15 * 10 && p < 2 ** 32 && q < 2 ** 32);
});

test('an ImageJ file with one IFD and planes stored back to back (ImageJ > 4 GB layout) reads all planes', async () => {
  const { dir, cleanup } = tempDir('ij-contig');
  try {
    const path = join(dir, 'contig.tif');
    const fh = await open(path, 'w');
    await writeTiff(fh, { depth: 3, height: 2, width: 3, plane: (z) => new Float32Array(6).map((_, i) => 100 * z + i) }, {
      dtype: 'uint16', bigTiff: false,
      describe: () => 'ImageJ=1.11a\nimages=3\nslices=3\nloop=false\n',
    });
    await fh.close();
    // Our writer stores the planes contiguously; cut the IFD chain after the first IFD.
    const b = readFileSync(path);
    const first = b.readUInt32LE(4);
    const n = b.readUInt16LE(first);
    b.writeUInt32LE(0, first + 2 + 12 * n);
    writeFileSync(path, b);
    const info = await probeStack(path);
    assert.equal(info.details.pages, 1);
    assert.equal(info.depth, 3);
    const s = await readStack(path);
    assert.deepEqual([...s.data], [0, 1, 2, 3, 4, 5, 100, 101, 102, 103, 104, 105, 200, 201, 202, 203, 204, 205]);
  } finally {
    cleanup();
  }
});

test('OME TiffData with UUID file names: other files are skipped, a renamed single file is still read', () => {
  const td = (f: string, z: number) => `<TiffData FirstZ="${z}" IFD="${z}" PlaneCount="1"><UUID FileName="${f}">urn:uuid:1</UUID></TiffData>`;
  const xml = (tds: string) => `<OME><Image ID="Image:0"><Pixels DimensionOrder="XYZCT" SizeX="2" SizeY="2" SizeZ="2" SizeC="1" SizeT="1">${tds}</Pixels></Image></OME>`;
  assert.deepEqual([...parseOmeXml(xml(td('a.ome.tif', 0) + td('b.ome.tif', 1))).planeToIfd(2, 'a.ome.tif')], [0, -1]);
  assert.deepEqual([...parseOmeXml(xml(td('old.ome.tif', 0) + td('old.ome.tif', 1))).planeToIfd(2, 'new.ome.tif')], [0, 1]);
});

test('IJMetadata: what we write parses back; big-endian (ImageJ default) parses; garbage is ignored', () => {
  const [countsEntry, dataEntry] = imagejMetadataEntries({ info: 'Software: x\nµ', labels: ['DAPI', 'GFP'] });
  const counts = Array.from({ length: countsEntry.count }, (_, i) => countsEntry.data.readUInt32LE(4 * i));
  assert.deepEqual(parseIJMetadata(counts, dataEntry.data), { info: 'Software: x\nµ', labels: ['DAPI', 'GFP'] });
  // Big-endian, as ImageJ writes by default: "IJIJ", codes as written, UTF-16BE.
  const be16 = (t: string) => Buffer.from(t, 'utf16le').swap16();
  const head = Buffer.concat([Buffer.from('IJIJ'), Buffer.from('labl'), Buffer.from([0, 0, 0, 2])]);
  const body = [be16('c1'), be16('c22')];
  assert.deepEqual(parseIJMetadata([head.length, 4, 6], Buffer.concat([head, ...body])), { labels: ['c1', 'c22'] });
  assert.deepEqual(parseIJMetadata([12, 99], Buffer.concat([head, ...body])), {});
  assert.deepEqual(parseIJMetadata([4], Buffer.from('nope')), {});
});
