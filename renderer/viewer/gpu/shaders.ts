/**
 * GLSL ES 3.00 shaders (three.js ShaderMaterial prepends #version 300 es and maps gl_FragColor).
 * Slices are resliced here, not on the CPU: each quad covers one texture brick and fetches the
 * exact texel (texelFetch, no filtering) of its plane, then applies the same contrast/gamma formula
 * as shared/viewer/contrast.ts to the raw float value, and a linearly filtered 256-entry LUT
 * (shared/viewer/colormaps.ts lutColour). Keep these formulas in step with those files.
 */

export const sliceVertex = /* glsl */ `
varying vec2 vUv;
void main() {
  vUv = uv;
  gl_Position = projectionMatrix * modelViewMatrix * vec4(position, 1.0);
}
`;

/** Maps the quad's uv to an integer texel of the brick for view axis 0 = XY, 1 = XZ, 2 = YZ. */
const texelOfFragment = /* glsl */ `
uniform int axis;
uniform int sliceLocal;
uniform vec2 clipX;
varying vec2 vUv;
ivec3 texelOf(ivec3 size, vec2 uv) {
  float fu = uv.x;
  float fv = 1.0 - uv.y; // v grows downwards on screen
  ivec3 p;
  if (axis == 0) p = ivec3(int(fu * float(size.x)), int(fv * float(size.y)), sliceLocal);
  else if (axis == 1) p = ivec3(int(fu * float(size.x)), sliceLocal, int(fv * float(size.z)));
  else p = ivec3(sliceLocal, int(fv * float(size.y)), int(fu * float(size.z)));
  return clamp(p, ivec3(0), size - 1);
}
`;

export const imageSliceFragment = /* glsl */ `
precision highp float;
precision highp sampler3D;
uniform sampler3D volume;
uniform sampler2D lut;
uniform float lo;
uniform float hi;
uniform float gamma;
uniform float opacity;
uniform int additive;
${texelOfFragment}
void main() {
  if (gl_FragCoord.x < clipX.x || gl_FragCoord.x >= clipX.y) discard;
  ivec3 size = textureSize(volume, 0);
  float v = texelFetch(volume, texelOf(size, vUv), 0).r;
  if (isnan(v)) discard;
  float t = hi > lo ? clamp((v - lo) / (hi - lo), 0.0, 1.0) : (v >= hi ? 1.0 : 0.0);
  t = pow(t, gamma);
  vec3 c = texture(lut, vec2((t * 255.0 + 0.5) / 256.0, 0.5)).rgb;
  gl_FragColor = additive == 1 ? vec4(c * opacity, 1.0) : vec4(c, opacity);
}
`;

/** lowbias32, as shared/viewer/labels.ts labelHash. */
export const labelsSliceFragment = /* glsl */ `
precision highp float;
precision highp usampler3D;
uniform usampler3D labels;
uniform float opacity;
uniform int contour;
uniform uint selected;
uniform int hasSelected;
${texelOfFragment}
uint lowbias32(uint h) {
  h ^= h >> 16; h *= 0x7feb352du; h ^= h >> 15; h *= 0x846ca68bu; h ^= h >> 16;
  return h;
}
uint labelAt(ivec3 size, ivec3 p) {
  return texelFetch(labels, clamp(p, ivec3(0), size - 1), 0).r;
}
void main() {
  if (gl_FragCoord.x < clipX.x || gl_FragCoord.x >= clipX.y) discard;
  ivec3 size = textureSize(labels, 0);
  ivec3 p = texelOf(size, vUv);
  uint id = labelAt(size, p);
  if (id == 0u) discard;
  // in-plane neighbours: the two screen axes of this view
  ivec3 du = axis == 2 ? ivec3(0, 0, 1) : ivec3(1, 0, 0);
  ivec3 dv = axis == 1 ? ivec3(0, 0, 1) : ivec3(0, 1, 0);
  bool edge = labelAt(size, p + du) != id || labelAt(size, p - du) != id ||
              labelAt(size, p + dv) != id || labelAt(size, p - dv) != id;
  bool isSelected = hasSelected == 1 && id == selected;
  if (contour == 1 && !edge && !isSelected) discard;
  uint h = lowbias32(id);
  vec3 c = 0.25 + 0.75 * vec3(float(h & 255u), float((h >> 8) & 255u), float((h >> 16) & 255u)) / 255.0;
  float a = opacity;
  if (isSelected) { a = 1.0; if (edge) c = vec3(1.0); }
  else if (hasSelected == 1) a *= 0.5; // other labels recede when one is selected
  gl_FragColor = vec4(c, a);
}
`;

export const mipVertex = /* glsl */ `
varying vec3 vPos;
void main() {
  vPos = position;
  gl_Position = projectionMatrix * modelViewMatrix * vec4(position, 1.0);
}
`;

/**
 * Maximum-intensity projection by ray marching through the box [-extent/2, extent/2] (physical
 * units; the box is drawn with its back faces so the camera may sit inside it). Texture y runs
 * against world y so the 3-D view is upright like XY.
 */
export const mipFragment = /* glsl */ `
precision highp float;
precision highp sampler3D;
uniform sampler3D volume;
uniform sampler2D lut;
uniform vec3 extent;
uniform float lo;
uniform float hi;
uniform float gamma;
uniform float opacity;
uniform int steps;
uniform int additive;
varying vec3 vPos;
void main() {
  vec3 ro = cameraPosition;
  vec3 rd = normalize(vPos - ro);
  vec3 h = extent * 0.5;
  vec3 inv = 1.0 / rd;
  vec3 t0 = (-h - ro) * inv;
  vec3 t1 = (h - ro) * inv;
  vec3 tmin = min(t0, t1);
  vec3 tmax = max(t0, t1);
  float tNear = max(max(max(tmin.x, tmin.y), tmin.z), 0.0);
  float tFar = min(min(tmax.x, tmax.y), tmax.z);
  if (tFar <= tNear) discard;
  float dt = (tFar - tNear) / float(steps);
  float m = -3.4e38;
  for (int i = 0; i < 1024; i++) {
    if (i >= steps) break;
    vec3 p = ro + rd * (tNear + (float(i) + 0.5) * dt);
    vec3 tc = vec3(p.x / extent.x + 0.5, 0.5 - p.y / extent.y, p.z / extent.z + 0.5);
    float v = texture(volume, tc).r;
    if (!isnan(v)) m = max(m, v);
    if (m >= hi) break; // saturated: the colour cannot change further along this ray
  }
  float t = hi > lo ? clamp((m - lo) / (hi - lo), 0.0, 1.0) : (m >= hi ? 1.0 : 0.0);
  t = pow(t, gamma);
  vec3 c = texture(lut, vec2((t * 255.0 + 0.5) / 256.0, 0.5)).rgb;
  // composited like the slice views: additive layers add, translucent ones cover what is below
  gl_FragColor = additive == 1 ? vec4(c * opacity, 1.0) : vec4(c, opacity);
}
`;
