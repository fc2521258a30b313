/** Display controls of the selected layer (napari's layer controls panel). */
import { COLORMAP_NAMES, isColormapName } from '../../shared/viewer/colormaps.ts';
import type { ImageLayer, LabelsLayer, ViewerStore } from '../state/layers.ts';
import { Histogram } from './Histogram.tsx';
import { useViewerState } from './useViewer.ts';

const fmt = (v: number): string => (Math.abs(v) >= 1000 || Number.isInteger(v) ? v.toFixed(0) : v.toPrecision(4));

function ImageControls({ viewer, layer }: { viewer: ViewerStore; layer: ImageLayer }) {
  const [lo, hi] = layer.contrastLimits;
  const [min, max] = layer.dataRange;
  const span = max - min || 1;
  const step = span / 1000;
  const setLimits = (next: [number, number]): void => {
    if (next[0] < next[1]) viewer.updateLayer(layer.id, { contrastLimits: next });
  };
  return (
    <>
      <Histogram histogram={layer.histogram} limits={layer.contrastLimits} />
      <label>
        low <input type="range" min={min} max={max} step={step} value={lo} data-control="contrast-lo" onChange={(e) => setLimits([Number(e.target.value), hi])} />
        <input type="number" className="n2s-num" value={fmt(lo)} step={step} onChange={(e) => setLimits([Number(e.target.value), hi])} />
      </label>
      <label>
        high <input type="range" min={min} max={max} step={step} value={hi} data-control="contrast-hi" onChange={(e) => setLimits([lo, Number(e.target.value)])} />
        <input type="number" className="n2s-num" value={fmt(hi)} step={step} onChange={(e) => setLimits([lo, Number(e.target.value)])} />
      </label>
      <label>
        auto
        <input
          type="number"
          className="n2s-num"
          min={0}
          max={100}
          step={0.1}
          value={layer.autoContrastPercentiles[0]}
          onChange={(e) => viewer.updateLayer(layer.id, { autoContrastPercentiles: [Number(e.target.value), layer.autoContrastPercentiles[1]] })}
        />
        –
        <input
          type="number"
          className="n2s-num"
          min={0}
          max={100}
          step={0.1}
          value={layer.autoContrastPercentiles[1]}
          onChange={(e) => viewer.updateLayer(layer.id, { autoContrastPercentiles: [layer.autoContrastPercentiles[0], Number(e.target.value)] })}
        />
        % <button data-control="auto-contrast" onClick={() => viewer.autoContrast(layer.id)}>auto</button>
      </label>
      <label>
        gamma
        <input
          type="range"
          min={-1}
          max={1}
          step={0.01}
          value={Math.log10(layer.gamma)}
          onChange={(e) => viewer.updateLayer(layer.id, { gamma: 10 ** Number(e.target.value) })}
        />
        <span className="n2s-num">{layer.gamma.toFixed(2)}</span>
      </label>
      <label>
        colormap
        <select value={layer.colormap} onChange={(e) => isColormapName(e.target.value) && viewer.updateLayer(layer.id, { colormap: e.target.value })}>
          {COLORMAP_NAMES.map((c) => (
            <option key={c}>{c}</option>
          ))}
        </select>
      </label>
      <label>
        blending
        <select value={layer.blending} onChange={(e) => viewer.updateLayer(layer.id, { blending: e.target.value === 'additive' ? 'additive' : 'translucent' })}>
          <option>translucent</option>
          <option>additive</option>
        </select>
      </label>
    </>
  );
}

function LabelsControls({ viewer, layer }: { viewer: ViewerStore; layer: LabelsLayer }) {
  return (
    <>
      <label>
        <input type="checkbox" checked={layer.contour} onChange={(e) => viewer.updateLayer(layer.id, { contour: e.target.checked })} /> contour only
      </label>
      <label>
        selected label
        <input
          type="number"
          className="n2s-num"
          min={0}
          value={layer.selectedLabel ?? 0}
          onChange={(e) => {
            const v = Math.max(0, Math.floor(Number(e.target.value)));
            viewer.updateLayer(layer.id, { selectedLabel: v > 0 ? v : null });
          }}
        />
        <span className="n2s-muted">(0 = none)</span>
      </label>
    </>
  );
}

export function LayerControls({ viewer }: { viewer: ViewerStore }) {
  const layer = useViewerState(viewer, (s) => s.layers.find((l) => l.id === s.selectedLayerId) ?? null);
  if (!layer) return <div className="n2s-muted">Select a layer.</div>;
  return (
    <div className="n2s-layer-controls" data-testid="layer-controls">
      <div className="n2s-subtitle">
        {layer.name} <span className="n2s-muted">{layer.kind === 'image' ? layer.dtype : 'labels'}</span>
      </div>
      <label>
        opacity
        <input type="range" min={0} max={1} step={0.01} value={layer.opacity} onChange={(e) => viewer.updateLayer(layer.id, { opacity: Number(e.target.value) })} />
        <span className="n2s-num">{layer.opacity.toFixed(2)}</span>
      </label>
      {layer.kind === 'image' ? <ImageControls viewer={viewer} layer={layer} /> : <LabelsControls viewer={viewer} layer={layer} />}
    </div>
  );
}
