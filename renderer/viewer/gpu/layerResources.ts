/**
 * GPU resources of one layer: its voxels uploaded ONCE as R32F (image) or R32UI (labels) 3-D
 * textures, one per brick (shared/viewer/bricks.ts), one quad mesh per brick that every slice
 * view reuses with different uniforms, and — on first use of the 3-D view — a MIP texture.
 */
import * as THREE from 'three';
import { type Brick, brickPlan, extractBrick, maxPoolForMip } from '../../../shared/viewer/bricks.ts';
import type { Dims } from '../../../shared/viewer/reslice.ts';
import type { Layer } from '../../state/layers.ts';
import { imageSliceFragment, labelsSliceFragment, mipFragment, mipVertex, sliceVertex } from './shaders.ts';

/** Largest side of the MIP texture: bounds the ray-march cost on software rendering. */
export const MIP_MAX_SIDE = 512;

export interface BrickMesh {
  brick: Brick;
  texture: THREE.Data3DTexture;
  mesh: THREE.Mesh<THREE.PlaneGeometry, THREE.ShaderMaterial>;
}

export interface LayerResources {
  layerId: string;
  data: Float32Array | Uint32Array;
  bricks: BrickMesh[];
  mip: {
    mesh: THREE.Mesh<THREE.BoxGeometry, THREE.ShaderMaterial>;
    texture: THREE.Data3DTexture;
    ownTexture: boolean;
    /** Ray-march steps at full quality (about one per voxel along the longest axis). */
    fullSteps: number;
  } | null;
  /** Bytes uploaded, for the performance report. */
  uploadedBytes: number;
}

const quad = new THREE.PlaneGeometry(1, 1);

function volumeTexture(data: Float32Array | Uint32Array, d: Dims, labels: boolean, linear = false): THREE.Data3DTexture {
  const t = new THREE.Data3DTexture(data, d.width, d.height, d.depth);
  if (labels) {
    t.format = THREE.RedIntegerFormat;
    t.type = THREE.UnsignedIntType;
    t.internalFormat = 'R32UI';
  } else {
    t.format = THREE.RedFormat;
    t.type = THREE.FloatType;
    t.internalFormat = 'R32F';
  }
  t.minFilter = linear ? THREE.LinearFilter : THREE.NearestFilter;
  t.magFilter = t.minFilter;
  t.unpackAlignment = 1;
  t.generateMipmaps = false;
  t.needsUpdate = true;
  return t;
}

/**
 * Brick and max-pooled copies exist only to be uploaded: drop them once on the GPU (three.js calls
 * onUpdate after texImage3D), which halves the page's memory for a 10×2160×2160 stack. The
 * layer's own array stays (the readout and statistics read it).
 */
function releaseAfterUpload(t: THREE.Data3DTexture): void {
  t.onUpdate = () => {
    t.image.data = null;
    t.onUpdate = null;
  };
}

/**
 * `floatLinear`: OES_texture_float_linear is present. Slices use texelFetch, which ignores the
 * filter, so a stack small enough to serve the MIP directly gets linear filtering at creation
 * and its one upload serves both the slices and the 3-D view.
 */
export function createLayerResources(layer: Layer, maxTextureSide: number, floatLinear: boolean): LayerResources {
  const labels = layer.kind === 'labels';
  const d = layer.dims;
  const mipReady = !labels && floatLinear && Math.max(d.depth, d.height, d.width) <= Math.min(MIP_MAX_SIDE, maxTextureSide);
  const bricks = brickPlan(layer.dims, maxTextureSide).map((brick): BrickMesh => {
    const bd = { depth: brick.z1 - brick.z0, height: brick.y1 - brick.y0, width: brick.x1 - brick.x0 };
    const voxels = extractBrick(layer.data, layer.dims, brick);
    const texture = volumeTexture(voxels, bd, labels, mipReady);
    if (voxels !== layer.data) releaseAfterUpload(texture);
    const common = {
      axis: { value: 0 },
      sliceLocal: { value: 0 },
      clipX: { value: new THREE.Vector2(-1e9, 1e9) },
      opacity: { value: 1 },
    };
    const material = new THREE.ShaderMaterial({
      vertexShader: sliceVertex,
      fragmentShader: labels ? labelsSliceFragment : imageSliceFragment,
      uniforms: labels
        ? { ...common, labels: { value: texture }, contour: { value: 0 }, selected: { value: 0 }, hasSelected: { value: 0 } }
        : {
            ...common,
            volume: { value: texture },
            lut: { value: null },
            lo: { value: 0 },
            hi: { value: 1 },
            gamma: { value: 1 },
            additive: { value: 0 },
          },
      transparent: true,
      depthTest: false,
      depthWrite: false,
    });
    const mesh = new THREE.Mesh(quad, material);
    mesh.frustumCulled = false;
    return { brick, texture, mesh };
  });
  return {
    layerId: layer.id,
    data: layer.data,
    bricks,
    mip: null,
    uploadedBytes: layer.data.byteLength,
  };
}

/** The MIP mesh of an image layer, created on first use (max-pooled when a side exceeds MIP_MAX_SIDE). */
export function ensureMip(res: LayerResources, layer: Layer, floatLinear: boolean): NonNullable<LayerResources['mip']> {
  if (res.mip) return res.mip;
  if (layer.kind !== 'image') throw new Error('the 3-D view shows image layers only');
  const pooled = maxPoolForMip(layer.data, layer.dims, MIP_MAX_SIDE);
  const shared = res.bricks.length === 1 ? res.bricks[0].texture : null;
  const reuse = shared !== null && pooled.data === layer.data && (shared.magFilter === THREE.LinearFilter || !floatLinear);
  const texture = reuse ? shared : volumeTexture(pooled.data, pooled.dims, false, floatLinear);
  if (!reuse && pooled.data !== layer.data) releaseAfterUpload(texture);
  if (!reuse) res.uploadedBytes += pooled.data.byteLength;
  const s = layer.spacing;
  const extent = new THREE.Vector3(layer.dims.width * s.x, layer.dims.height * s.y, layer.dims.depth * s.z);
  const material = new THREE.ShaderMaterial({
    vertexShader: mipVertex,
    fragmentShader: mipFragment,
    uniforms: {
      volume: { value: texture },
      lut: { value: null },
      extent: { value: extent },
      lo: { value: 0 },
      hi: { value: 1 },
      gamma: { value: 1 },
      opacity: { value: 1 },
      steps: { value: 1 },
      additive: { value: 1 },
    },
    side: THREE.BackSide,
    transparent: true,
    blending: THREE.AdditiveBlending,
    depthTest: false,
    depthWrite: false,
  });
  const mesh = new THREE.Mesh(new THREE.BoxGeometry(extent.x, extent.y, extent.z), material);
  mesh.frustumCulled = false;
  const fullSteps = Math.min(384, Math.max(pooled.dims.width, pooled.dims.height, pooled.dims.depth * 2));
  res.mip = { mesh, texture, ownTexture: !reuse, fullSteps };
  return res.mip;
}

export function disposeLayerResources(res: LayerResources): void {
  for (const b of res.bricks) {
    b.texture.dispose();
    b.mesh.material.dispose();
  }
  if (res.mip) {
    if (res.mip.ownTexture) res.mip.texture.dispose();
    res.mip.mesh.material.dispose();
    res.mip.mesh.geometry.dispose();
  }
}
