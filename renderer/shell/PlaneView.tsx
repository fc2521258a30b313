/**
 * The shell's own minimal viewer (centre area), used until the viewer's Workspace exists: one XY
 * plane of the active stack on a canvas, grey scale between the stack's min and max, with a plane
 * slider. Planes are fetched one at a time as Float32Array.
 */
import { useEffect, useRef, useState } from 'react';
import { useWorkspace, type Workspace } from './workspace.ts';

export function PlaneView({ ws }: { ws: Workspace }) {
  const stack = useWorkspace(ws, (s) => s.stacks.find((x) => x.stackId === s.activeStackId) ?? null);
  const [z, setZ] = useState(0);
  const canvas = useRef<HTMLCanvasElement>(null);

  // A new stack starts at its middle plane.
  const stackId = stack?.stackId;
  const depth = stack?.depth;
  useEffect(() => {
    if (depth !== undefined) setZ(Math.floor(depth / 2));
  }, [stackId, depth]);

  useEffect(() => {
    if (!stack || !canvas.current) return;
    let cancelled = false;
    void ws.api.invoke('stack:planes', { stackId: stack.stackId, axis: 'z', start: Math.min(z, stack.depth - 1), count: 1 }).then((p) => {
      const c = canvas.current;
      if (cancelled || !c) return;
      c.width = p.cols;
      c.height = p.rows;
      const ctx = c.getContext('2d');
      if (!ctx) return;
      const img = ctx.createImageData(p.cols, p.rows);
      const lo = stack.min;
      const scale = stack.max > lo ? 255 / (stack.max - lo) : 0;
      for (let i = 0; i < p.data.length; i++) {
        const v = Math.max(0, Math.min(255, (p.data[i] - lo) * scale));
        img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = v;
        img.data[4 * i + 3] = 255;
      }
      ctx.putImageData(img, 0, 0);
      c.dataset.plane = String(p.start);
    });
    return () => {
      cancelled = true;
    };
  }, [stack, z, ws]);

  if (!stack) return <div className="viewer-empty">No stack open</div>;
  return (
    <div className="plane-view" data-testid="plane-view">
      <canvas ref={canvas} data-testid="plane-canvas" />
      <label className="plane-slider">
        z {z + 1}/{stack.depth}
        <input type="range" min={0} max={stack.depth - 1} value={z} onChange={(e) => setZ(Number(e.target.value))} />
      </label>
    </div>
  );
}
