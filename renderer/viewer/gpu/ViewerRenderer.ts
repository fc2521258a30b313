/**
 * One WebGL2 context (three.js) for the whole workspace: a single canvas behind all viewports,
 * each viewport a DOM element whose rectangle is rendered with scissor/viewport (three.js's
 * "multiple elements" pattern). One context means each layer's texture is uploaded once and
 * shared by the XY/XZ/YZ/3-D views and by every comparison cell. The canvas keeps its drawing
 * buffer, so only viewports whose inputs changed are redrawn: moving z redraws the XY view only
 * (crosshairs and the swipe curtain are DOM overlays), not XZ/YZ nor the (expensive) MIP view.
 */
import * as THREE from 'three';
import { type ColormapName, colormapLUT, LUT_SIZE } from '../../../shared/viewer/colormaps.ts';
import { type Axis, planeSpacing, sliceOf } from '../../../shared/viewer/reslice.ts';
import { viewCentre } from '../../../shared/viewer/viewTransform.ts';
import type { Layer, ViewerState, ViewerStore } from '../../state/layers.ts';
import { type LayerResources, createLayerResources, disposeLayerResources, ensureMip } from './layerResources.ts';

export type ViewKind = Axis | '3d';

export interface ViewportSpec {
  kind: ViewKind;
  /** Layers drawn (bottom first); null = every visible layer of the list. */
  layerIds: string[] | null;
  /** Swipe mode: `leftId` left of the curtain at `position` ∈ [0, 1] of the width, `rightId` right of it. */
  curtain?: { leftId: string; rightId: string; position: number } | null;
}

export interface ViewportRect {
  x: number;
  y: number;
  w: number;
  h: number;
}

interface Registered {
  el: HTMLElement;
  spec: ViewportSpec;
  signature: string;
  /** 3-D view: the last frame was a draft, to be refined once inputs rest. */
  draft: boolean;
  changedAt: number;
}

export interface RendererOptions {
  /** Cap on 3-D texture sides (defaults to the GPU's MAX_3D_TEXTURE_SIZE); tests lower it to exercise bricks. */
  maxTextureSide?: number;
}

const REFINE_AFTER_MS = 250;

export class ViewerRenderer {
  readonly three: THREE.WebGLRenderer;
  readonly gl: WebGL2RenderingContext;
  readonly maxTextureSide: number;
  readonly floatLinear: boolean;
  /** Timing of the last renderNow() (CPU side, without waiting for the GPU). */
  lastRenderMs = 0;
  viewportsRendered = 0;

  private readonly resources = new Map<string, LayerResources>();
  private readonly luts = new Map<ColormapName, THREE.DataTexture>();
  private readonly viewports = new Map<string, Registered>();
  private readonly scene = new THREE.Scene();
  private readonly ortho = new THREE.OrthographicCamera(-1, 1, 1, -1, 0.1, 100);
  private readonly persp = new THREE.PerspectiveCamera(30, 1, 0.01, 1e6);
  private readonly unsubscribe: () => void;
  private readonly resizeObserver: ResizeObserver | null;
  private raf = 0;
  // Progressive 3-D view: any change (rotation, contrast, layers…) is first drawn with a quarter
  // of the ray-march steps, then refined once its inputs have rested REFINE_AFTER_MS (software
  // rendering needs ~1–3 s per full-quality MIP frame).
  private refineTimer: ReturnType<typeof setTimeout> | null = null;
  /** 'full' skips the draft pass (benchmarks, screenshots). */
  quality: 'progressive' | 'full' = 'progressive';
  private size = { w: 0, h: 0 };
  private draftRT: THREE.WebGLRenderTarget | null = null;
  /** Full-viewport quad that copies the draft texture as is (no colour-space conversion). */
  private readonly blit = new THREE.Mesh(
    new THREE.PlaneGeometry(2, 2),
    new THREE.ShaderMaterial({
      vertexShader: 'varying vec2 vUv; void main() { vUv = uv; gl_Position = vec4(position.xy, 0.0, 1.0); }',
      fragmentShader: 'uniform sampler2D tex; varying vec2 vUv; void main() { gl_FragColor = texture(tex, vUv); }',
      uniforms: { tex: { value: null } },
      depthTest: false,
      depthWrite: false,
    }),
  );
  private readonly blitCamera = new THREE.OrthographicCamera(-1, 1, 1, -1, 0, 1);
  private clearAll = false;
  private disposed = false;

  constructor(
    readonly canvas: HTMLCanvasElement,
    readonly viewer: ViewerStore,
    options: RendererOptions = {},
  ) {
    this.three = new THREE.WebGLRenderer({ canvas, antialias: false, alpha: false, preserveDrawingBuffer: true });
    // One framebuffer pixel per CSS pixel: software rendering pays per fragment, and tests read
    // back exact pixels.
    this.three.setPixelRatio(1);
    this.three.autoClear = false;
    this.three.setClearColor(0x000000, 1);
    this.gl = this.three.getContext() as WebGL2RenderingContext;
    const gpuMax = this.gl.getParameter(this.gl.MAX_3D_TEXTURE_SIZE) as number;
    this.maxTextureSide = Math.min(gpuMax, options.maxTextureSide ?? gpuMax);
    this.floatLinear = this.three.extensions.has('OES_texture_float_linear');
    this.ortho.position.set(0, 0, 10);
    this.blit.frustumCulled = false;
    this.unsubscribe = viewer.subscribe(() => this.requestRender());
    this.resizeObserver =
      typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(() => this.requestRender());
    if (canvas.parentElement) this.resizeObserver?.observe(canvas.parentElement);
  }

  registerViewport(id: string, el: HTMLElement, spec: ViewportSpec): void {
    const prev = this.viewports.get(id);
    if (prev && prev.el !== el) this.resizeObserver?.unobserve(prev.el);
    if (!prev || prev.el !== el) this.resizeObserver?.observe(el);
    this.viewports.set(id, { el, spec, signature: '', draft: false, changedAt: 0 });
    this.requestRender();
  }

  unregisterViewport(id: string): void {
    const v = this.viewports.get(id);
    if (!v) return;
    this.resizeObserver?.unobserve(v.el);
    this.viewports.delete(id);
    this.markAllDirty();
    this.clearAll = true; // the next layout need not cover what this viewport drew
    this.requestRender();
  }

  /** Rectangle of a viewport in canvas pixels (origin top-left). */
  viewportRect(id: string): ViewportRect | null {
    const v = this.viewports.get(id);
    if (!v) return null;
    const c = this.canvas.getBoundingClientRect();
    const r = v.el.getBoundingClientRect();
    return { x: Math.round(r.left - c.left), y: Math.round(r.top - c.top), w: Math.round(r.width), h: Math.round(r.height) };
  }

  viewportIds(): string[] {
    return [...this.viewports.keys()];
  }

  requestRender(): void {
    if (this.raf || this.disposed) return;
    this.raf = requestAnimationFrame(() => {
      this.raf = 0;
      this.renderNow();
    });
  }

  private scheduleRefine(): void {
    if (this.refineTimer) clearTimeout(this.refineTimer);
    this.refineTimer = setTimeout(() => {
      this.refineTimer = null;
      this.requestRender();
    }, REFINE_AFTER_MS + 10);
  }

  markAllDirty(): void {
    for (const v of this.viewports.values()) v.signature = '';
  }

  /** Draw every viewport whose inputs changed since it was last drawn. */
  renderNow(): void {
    if (this.disposed) return;
    const t0 = performance.now();
    if (this.raf) {
      cancelAnimationFrame(this.raf);
      this.raf = 0;
    }
    const state = this.viewer.get();
    this.syncResources(state.layers);
    const w = this.canvas.clientWidth;
    const h = this.canvas.clientHeight;
    if (w !== this.size.w || h !== this.size.h) {
      this.size = { w, h };
      this.three.setSize(w, h, false);
      this.markAllDirty();
      this.clearAll = true;
    }
    if (this.clearAll) {
      this.clearAll = false;
      this.three.setScissorTest(false);
      this.three.clear();
    }
    let n = 0;
    for (const [id, v] of this.viewports) {
      const rect = this.viewportRect(id);
      if (!rect || rect.w <= 0 || rect.h <= 0) continue;
      const sig = this.signature(v.spec, rect, state);
      const changed = sig !== v.signature;
      if (changed) {
        v.signature = sig;
        v.changedAt = t0;
      }
      if (v.spec.kind === '3d' && this.quality === 'progressive') {
        const rested = t0 - v.changedAt >= REFINE_AFTER_MS;
        if (!changed && !(v.draft && rested)) continue;
        v.draft = !rested;
        if (v.draft) this.scheduleRefine();
      } else {
        if (!changed) continue;
        v.draft = false;
      }
      this.renderViewport(v.spec, rect, state, v.draft);
      n++;
    }
    this.viewportsRendered = n;
    this.lastRenderMs = performance.now() - t0;
  }

  /** RGBA at a point of a viewport (pixels from its top-left corner). Renders pending changes first. */
  readPixel(id: string, px: number, py: number): [number, number, number, number] {
    this.renderNow();
    const r = this.viewportRect(id);
    if (!r) throw new Error(`no viewport ${id}`);
    const buf = new Uint8Array(4);
    const gl = this.gl;
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    gl.readPixels(Math.floor(r.x + px), Math.floor(this.size.h - (r.y + py) - 1), 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, buf);
    return [buf[0], buf[1], buf[2], buf[3]];
  }

  /**
   * Milliseconds from a state change to a finished frame: applies `change`, renders, and waits
   * for the GPU (gl.finish plus a 1-pixel readPixels, which cannot return before drawing ends).
   */
  timeChange(change: () => void): number {
    const t0 = performance.now();
    change();
    this.renderNow();
    this.gl.finish();
    const buf = new Uint8Array(4);
    this.gl.readPixels(0, 0, 1, 1, this.gl.RGBA, this.gl.UNSIGNED_BYTE, buf);
    return performance.now() - t0;
  }

  uploadedBytes(): number {
    let n = 0;
    for (const r of this.resources.values()) n += r.uploadedBytes;
    return n;
  }

  dispose(): void {
    this.disposed = true;
    if (this.raf) cancelAnimationFrame(this.raf);
    if (this.refineTimer) clearTimeout(this.refineTimer);
    this.unsubscribe();
    this.resizeObserver?.disconnect();
    for (const r of this.resources.values()) disposeLayerResources(r);
    for (const t of this.luts.values()) t.dispose();
    this.draftRT?.dispose();
    this.blit.geometry.dispose();
    this.blit.material.dispose();
    this.three.dispose();
  }

  private syncResources(layers: Layer[]): void {
    const live = new Set(layers.map((l) => l.id));
    for (const [id, r] of this.resources) {
      if (!live.has(id)) {
        disposeLayerResources(r);
        this.resources.delete(id);
      }
    }
    for (const l of layers) {
      const r = this.resources.get(l.id);
      if (r && r.data === l.data) continue;
      if (r) disposeLayerResources(r);
      this.resources.set(l.id, createLayerResources(l, this.maxTextureSide, this.floatLinear));
    }
  }

  private lut(name: ColormapName): THREE.DataTexture {
    let t = this.luts.get(name);
    if (!t) {
      t = new THREE.DataTexture(colormapLUT(name), LUT_SIZE, 1, THREE.RGBAFormat, THREE.UnsignedByteType);
      t.minFilter = THREE.LinearFilter;
      t.magFilter = THREE.LinearFilter;
      t.wrapS = THREE.ClampToEdgeWrapping;
      t.needsUpdate = true;
      this.luts.set(name, t);
    }
    return t;
  }

  /**
   * Layers a viewport draws, bottom first. Layers named explicitly (a grid cell, the two sides of
   * the curtain) are drawn even when hidden in the list — choosing them is the user's intent —
   * and visible labels layers are overlaid everywhere.
   */
  private layersOf(spec: ViewportSpec, state: ViewerState): Layer[] {
    const chosen = spec.curtain ? [spec.curtain.leftId, spec.curtain.rightId] : spec.layerIds;
    if (chosen === null) return state.layers.filter((l) => l.visible);
    return state.layers.filter((l) => chosen.includes(l.id) || (l.kind === 'labels' && l.visible));
  }

  private signature(spec: ViewportSpec, r: ViewportRect, s: ViewerState): string {
    const layers = this.layersOf(spec, s)
      .map((l) =>
        l.kind === 'image'
          ? `${l.id}|${l.opacity}|${l.blending}|${l.contrastLimits}|${l.gamma}|${l.colormap}`
          : `${l.id}|${l.opacity}|${l.contour}|${l.selectedLabel}`,
      )
      .join(';');
    const where = `${spec.kind}|${r.x},${r.y},${r.w},${r.h}|${this.size.w}x${this.size.h}`;
    if (spec.kind === '3d') return `${where}|${s.orbit.yaw},${s.orbit.pitch},${s.orbit.distance}|${layers}`;
    // only the plane index: crosshairs are DOM overlays (Viewport.tsx), so a z step redraws XY alone
    const slice = sliceOf(s.cursor, spec.kind);
    const cam = s.camera;
    const curtain = spec.curtain ? `${spec.curtain.leftId},${spec.curtain.rightId},${spec.curtain.position}` : '';
    return `${where}|${slice}|${cam.zoom},${cam.centre.z},${cam.centre.y},${cam.centre.x}|${curtain}|${layers}`;
  }

  private beginViewport(r: ViewportRect): void {
    const y = this.size.h - r.y - r.h;
    this.three.setViewport(r.x, y, r.w, r.h);
    this.three.setScissor(r.x, y, r.w, r.h);
    this.three.setScissorTest(true);
    this.three.clear();
    this.scene.clear();
  }

  private renderViewport(spec: ViewportSpec, r: ViewportRect, s: ViewerState, draft: boolean): void {
    this.beginViewport(r);
    if (!s.world) return;
    if (spec.kind === '3d') this.render3d(spec, r, s, draft);
    else this.renderSlice(spec.kind, spec, r, s);
  }

  private renderSlice(axis: Axis, spec: ViewportSpec, r: ViewportRect, s: ViewerState): void {
    const { a, b } = viewCentre(s.camera, axis);
    const hw = r.w / 2 / s.camera.zoom;
    const hh = r.h / 2 / s.camera.zoom;
    // world x = physical horizontal a; world y = −physical vertical b (v grows downwards)
    Object.assign(this.ortho, { left: a - hw, right: a + hw, top: -b + hh, bottom: -b - hh });
    this.ortho.updateProjectionMatrix();
    const slice = sliceOf(s.cursor, axis);
    const axisIndex = axis === 'xy' ? 0 : axis === 'xz' ? 1 : 2;
    const curtainX = spec.curtain ? r.x + spec.curtain.position * r.w : 0;
    for (const layer of this.layersOf(spec, s)) {
      const res = this.resources.get(layer.id);
      if (!res) continue;
      const sp = planeSpacing(layer.spacing, axis);
      let clip: [number, number] = [-1e9, 1e9];
      if (spec.curtain) clip = layer.id === spec.curtain.leftId ? [-1e9, curtainX] : [curtainX, 1e9];
      for (const bm of res.bricks) {
        const br = bm.brick;
        const [s0, s1] = axis === 'xy' ? [br.z0, br.z1] : axis === 'xz' ? [br.y0, br.y1] : [br.x0, br.x1];
        if (slice < s0 || slice >= s1) continue;
        const [u0, u1] = axis === 'yz' ? [br.z0, br.z1] : [br.x0, br.x1];
        const [v0, v1] = axis === 'xz' ? [br.z0, br.z1] : [br.y0, br.y1];
        const m = bm.mesh;
        m.position.set(((u0 + u1) / 2) * sp.u, (-(v0 + v1) / 2) * sp.v, 0);
        m.scale.set((u1 - u0) * sp.u, (v1 - v0) * sp.v, 1);
        const un = m.material.uniforms;
        un.axis.value = axisIndex;
        un.sliceLocal.value = slice - s0;
        (un.clipX.value as THREE.Vector2).set(clip[0], clip[1]);
        un.opacity.value = layer.opacity;
        if (layer.kind === 'image') {
          un.lut.value = this.lut(layer.colormap);
          un.lo.value = layer.contrastLimits[0];
          un.hi.value = layer.contrastLimits[1];
          un.gamma.value = layer.gamma;
          const additive = layer.blending === 'additive';
          un.additive.value = additive ? 1 : 0;
          m.material.blending = additive ? THREE.AdditiveBlending : THREE.NormalBlending;
        } else {
          un.contour.value = layer.contour ? 1 : 0;
          un.hasSelected.value = layer.selectedLabel === null ? 0 : 1;
          un.selected.value = layer.selectedLabel ?? 0;
          m.material.blending = THREE.NormalBlending;
        }
        m.material.uniformsNeedUpdate = true;
        this.scene.add(m);
      }
    }
    this.three.render(this.scene, this.ortho);
  }

  private render3d(spec: ViewportSpec, r: ViewportRect, s: ViewerState, draft: boolean): void {
    const images = this.layersOf(spec, s).filter((l) => l.kind === 'image');
    if (images.length === 0) return;
    let radius = 0;
    for (const layer of images) {
      if (layer.kind !== 'image') continue;
      const res = this.resources.get(layer.id);
      if (!res) continue;
      const mip = ensureMip(res, layer, this.floatLinear);
      const un = mip.mesh.material.uniforms;
      un.lut.value = this.lut(layer.colormap);
      un.lo.value = layer.contrastLimits[0];
      un.hi.value = layer.contrastLimits[1];
      un.gamma.value = layer.gamma;
      un.opacity.value = layer.opacity;
      un.steps.value = draft ? Math.ceil(mip.fullSteps / 4) : mip.fullSteps;
      const additive = layer.blending === 'additive';
      un.additive.value = additive ? 1 : 0;
      mip.mesh.material.blending = additive ? THREE.AdditiveBlending : THREE.NormalBlending;
      mip.mesh.material.uniformsNeedUpdate = true;
      const e = un.extent.value as THREE.Vector3;
      radius = Math.max(radius, e.length() / 2);
      this.scene.add(mip.mesh);
    }
    const { yaw, pitch, distance } = s.orbit;
    // distance 1 = the bounding sphere just fills the vertical field of view
    const d = (distance * radius) / Math.sin((this.persp.fov * Math.PI) / 360);
    this.persp.aspect = r.w / r.h;
    this.persp.near = d / 1000;
    this.persp.far = d * 10;
    this.persp.position.set(d * Math.cos(pitch) * Math.sin(yaw), d * Math.sin(pitch), d * Math.cos(pitch) * Math.cos(yaw));
    this.persp.lookAt(0, 0, 0);
    this.persp.updateProjectionMatrix();
    if (!draft) {
      this.three.render(this.scene, this.persp);
      return;
    }
    // Draft: ray-march at half resolution into a texture, then stretch it over the viewport —
    // with a quarter of the steps, 1/16 of the full frame's texture fetches.
    const tw = Math.max(1, Math.ceil(r.w / 2));
    const th = Math.max(1, Math.ceil(r.h / 2));
    const target = this.draftTarget();
    if (target.width !== tw || target.height !== th) target.setSize(tw, th);
    this.three.setRenderTarget(target);
    this.three.setClearColor(0x000000, 1);
    this.three.clear();
    this.three.render(this.scene, this.persp);
    this.three.setRenderTarget(null);
    this.beginViewport(r);
    this.scene.add(this.blit);
    this.three.render(this.scene, this.blitCamera);
  }

  private draftTarget(): THREE.WebGLRenderTarget {
    if (!this.draftRT) {
      this.draftRT = new THREE.WebGLRenderTarget(1, 1, {
        minFilter: THREE.LinearFilter,
        magFilter: THREE.LinearFilter,
        depthBuffer: false,
      });
      (this.blit.material.uniforms.tex as THREE.IUniform<THREE.Texture>).value = this.draftRT.texture;
    }
    return this.draftRT;
  }
}
