/** Histogram of an image layer (log counts) with its contrast limits marked. */
import { useEffect, useRef } from 'react';
import type { Histogram as Hist } from '../../shared/viewer/stats.ts';

export function Histogram({ histogram, limits }: { histogram: Hist; limits: [number, number] }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = ref.current;
    const ctx = c?.getContext('2d');
    if (!c || !ctx) return;
    const { counts, lo, hi } = histogram;
    ctx.clearRect(0, 0, c.width, c.height);
    const max = Math.log1p(Math.max(1, ...counts));
    const bw = c.width / counts.length;
    ctx.fillStyle = '#8a8f98';
    counts.forEach((n, i) => {
      const h = (Math.log1p(n) / max) * c.height;
      ctx.fillRect(i * bw, c.height - h, Math.max(1, bw - 0.5), h);
    });
    ctx.strokeStyle = '#ffd21a';
    for (const v of limits) {
      const x = hi > lo ? ((v - lo) / (hi - lo)) * c.width : 0;
      ctx.beginPath();
      ctx.moveTo(x, 0);
      ctx.lineTo(x, c.height);
      ctx.stroke();
    }
  }, [histogram, limits]);
  return <canvas ref={ref} className="n2s-histogram" width={232} height={48} />;
}
