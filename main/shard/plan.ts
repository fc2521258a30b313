/**
 * Deterministic division of denoising work into shards that many machines process independently.
 * Every function is pure: the same inputs give the same partition on every node, so shards never
 * write the same file or chunk.
 */
export interface ShardSpec {
  index: number;
  count: number;
}

export function parseShard(text: string): ShardSpec {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new Error(`--shard must look like I/N (e.g. 0/4), got "${text}"`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1) throw new Error(`--shard ${text}: N must be ≥ 1`);
  if (index >= count) throw new Error(`--shard ${text}: I must be in 0…${count - 1}`);
  return { index, count };
}

/**
 * The shard of this process from the environment of common array schedulers:
 * Slurm job arrays (SLURM_ARRAY_TASK_ID with SLURM_ARRAY_TASK_COUNT, or MIN/MAX when COUNT is
 * absent) and Kubernetes Indexed Jobs (JOB_COMPLETION_INDEX; the count from N2S_SHARD_COUNT, since
 * Kubernetes does not export the completions count). Returns undefined outside an array job.
 */
export function shardFromEnv(env: Record<string, string | undefined>): ShardSpec | undefined {
  const int = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined);
  const slurmId = int(env.SLURM_ARRAY_TASK_ID);
  if (slurmId !== undefined) {
    const min = int(env.SLURM_ARRAY_TASK_MIN) ?? 0;
    const max = int(env.SLURM_ARRAY_TASK_MAX);
    const count = int(env.SLURM_ARRAY_TASK_COUNT) ?? (max !== undefined ? max - min + 1 : undefined);
    if (count === undefined) throw new Error('SLURM_ARRAY_TASK_ID is set but not SLURM_ARRAY_TASK_COUNT/MAX');
    return checked({ index: slurmId - min, count }, 'Slurm');
  }
  const k8s = int(env.JOB_COMPLETION_INDEX);
  if (k8s !== undefined) {
    const count = int(env.N2S_SHARD_COUNT);
    if (count === undefined) throw new Error('JOB_COMPLETION_INDEX is set: also set N2S_SHARD_COUNT to the number of completions');
    return checked({ index: k8s, count }, 'Kubernetes');
  }
  return undefined;
}

function checked(s: ShardSpec, from: string): ShardSpec {
  if (s.count < 1 || s.index < 0 || s.index >= s.count) throw new Error(`${from} shard ${s.index}/${s.count} is out of range`);
  return s;
}

/** Files I, I+N, I+2N, … of the list (sorted by the caller, so every node sees the same order). */
export function filesForShard<T>(files: readonly T[], s: ShardSpec): T[] {
  return files.filter((_, i) => i % s.count === s.index);
}

export interface PlaneRange {
  z0: number;
  /** Exclusive. */
  z1: number;
}

/** Chunk-aligned plane ranges covering [0, depth): one per z chunk of the output. */
export function chunkRanges(depth: number, chunkDepth: number): PlaneRange[] {
  if (!Number.isInteger(chunkDepth) || chunkDepth < 1) throw new Error(`chunk depth must be a positive integer, got ${chunkDepth}`);
  const out: PlaneRange[] = [];
  for (let z0 = 0; z0 < depth; z0 += chunkDepth) out.push({ z0, z1: Math.min(depth, z0 + chunkDepth) });
  return out;
}

/** Ranges of shard I of N: contiguous blocks, so each node reads neighbouring planes once. */
export function rangesForShard<T>(ranges: readonly T[], s: ShardSpec): T[] {
  const start = Math.floor((s.index * ranges.length) / s.count);
  const end = Math.floor(((s.index + 1) * ranges.length) / s.count);
  return ranges.slice(start, end);
}

/** Planes to read for a range: its own plus k neighbours on each side, clamped to the volume. */
export function inputWindow(r: PlaneRange, k: number, depth: number): PlaneRange {
  return { z0: Math.max(0, r.z0 - k), z1: Math.min(depth, r.z1 + k) };
}
