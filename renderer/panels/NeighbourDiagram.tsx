/**
 * The paper's Figure 2, interactive: the stack as a column of planes; for the selected target
 * plane, the planes fed to the network are highlighted and each input channel is drawn with an
 * arrow from the plane it reads. A channel whose plane differs from its nominal neighbour
 * (i+offset outside the stack, or clamped onto the target) is marked "replicated". Indices come
 * from shared/model/neighbours.ts, the function the engine's sampler uses.
 */
import { channelPlanes } from '../../shared/model/neighbours.ts';

export interface DiagramProps {
  depth: number;
  target: number;
  mode: 'self' | 'copy';
  k: number;
  onSelect(plane: number): void;
}

export interface Channel {
  index: number;
  plane: number;
  /** The neighbour offset this channel stands for (−k…k, 0 only in copy mode). */
  offset: number;
  replicated: boolean;
}

export function diagramChannels(depth: number, target: number, mode: 'self' | 'copy', k: number): Channel[] {
  const planes = channelPlanes(target, depth, mode, k);
  const offsets: number[] = [];
  for (let o = -k; o <= k; o++) if (mode === 'copy' || o !== 0) offsets.push(o);
  return planes.map((plane, index) => ({ index, plane, offset: offsets[index]!, replicated: plane !== target + offsets[index]! }));
}

const ROW = 22;
const MAX_ROWS = 24;

export function NeighbourDiagram({ depth, target, mode, k, onSelect }: DiagramProps) {
  let channels: Channel[] = [];
  let error: string | null = null;
  try {
    channels = diagramChannels(depth, target, mode, k);
  } catch (e) {
    error = (e as Error).message;
  }
  // Long stacks: show a window of planes around the target.
  const first = depth <= MAX_ROWS ? 0 : Math.max(0, Math.min(depth - MAX_ROWS, target - Math.floor(MAX_ROWS / 2)));
  const last = Math.min(depth, first + MAX_ROWS);
  const used = new Map<number, number>();
  for (const c of channels) used.set(c.plane, (used.get(c.plane) ?? 0) + 1);
  const width = 320;
  const height = (last - first) * ROW + 30;
  const planeX = 20;
  const planeW = 110;
  const chanX = 220;
  const chanH = Math.min(ROW, (height - 30) / Math.max(1, channels.length));
  const yOf = (z: number) => 20 + (z - first) * ROW;
  return (
    <figure className="n2s-diagram" data-testid="neighbour-diagram" data-target={target} data-mode={mode} data-k={k}>
      {error ? (
        <p role="alert" data-testid="diagram-error">
          {error}
        </p>
      ) : (
        <svg width="100%" style={{ maxWidth: width }} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`plane ${target} and its input planes`}>
          <text x={planeX} y={12} fontSize={11} fill="currentColor">
            stack planes
          </text>
          <text x={chanX} y={12} fontSize={11} fill="currentColor">
            network input
          </text>
          {Array.from({ length: last - first }, (_, r) => first + r).map((z) => {
            const role = z === target ? 'target' : used.has(z) ? 'input' : 'unused';
            const fill = role === 'target' ? '#e8a33d' : role === 'input' ? '#4a90d9' : '#ddd';
            return (
              <g key={z} data-testid={`diagram-plane-${z}`} data-role={role} data-uses={used.get(z) ?? 0} onClick={() => onSelect(z)} style={{ cursor: 'pointer' }}>
                <rect x={planeX} y={yOf(z)} width={planeW} height={ROW - 4} rx={3} fill={fill} stroke={z === target ? '#a0601a' : '#888'} />
                <text x={planeX + 6} y={yOf(z) + 13} fontSize={11} fill={role === 'unused' ? '#555' : '#fff'}>
                  plane {z}
                  {role === 'target' ? (mode === 'copy' ? ' (target, copy B)' : ' (target)') : ''}
                </text>
              </g>
            );
          })}
          {channels.map((c) => {
            const cy = 20 + c.index * chanH + chanH / 2;
            const visible = c.plane >= first && c.plane < last;
            return (
              <g key={c.index} data-testid={`diagram-channel-${c.index}`} data-plane={c.plane} data-offset={c.offset} data-replicated={c.replicated}>
                {visible && (
                  <line x1={planeX + planeW} y1={yOf(c.plane) + (ROW - 4) / 2} x2={chanX} y2={cy} stroke={c.replicated ? '#c0392b' : '#4a90d9'} strokeDasharray={c.replicated ? '4 2' : undefined} />
                )}
                <rect x={chanX} y={cy - chanH / 2 + 1} width={90} height={chanH - 2} rx={2} fill={c.replicated ? '#f6d5d1' : '#dbe8f7'} stroke="#888" />
                <text x={chanX + 4} y={cy + 4} fontSize={10} fill="#222">
                  {`i${c.offset < 0 ? '−' : '+'}${Math.abs(c.offset)} ← ${c.plane}${c.replicated ? ' (repl.)' : ''}`}
                </text>
              </g>
            );
          })}
        </svg>
      )}
      <figcaption data-testid="diagram-summary">
        {error
          ? ''
          : `Target plane ${target}${mode === 'copy' ? ' of copy B' : ''}; input planes ${channels.map((c) => c.plane).join(', ')}` +
            (channels.some((c) => c.replicated) ? ` (replicated: ${channels.filter((c) => c.replicated).map((c) => `i${c.offset > 0 ? '+' : '−'}${Math.abs(c.offset)}→${c.plane}`).join(', ')})` : '')}
      </figcaption>
    </figure>
  );
}
