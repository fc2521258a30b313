/** 'engines': which inference/training engines and backends load on this machine (no benchmark). */
import { z } from 'zod';

export const EngineStatusSchema = z.object({
  engine: z.enum(['onnx', 'tfjs']),
  name: z.string(),
  status: z.enum(['ok', 'unavailable']),
  reason: z.string().optional(),
});
export type EngineStatusInfo = z.infer<typeof EngineStatusSchema>;

export const enginesJob = {
  params: z.object({}),
  result: z.array(EngineStatusSchema),
  pausable: false,
};
