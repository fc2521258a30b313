/**
 * The default time budget of a training run on a CPU, in seconds: the app's Train panel offers it
 * as the default way to size a run, and `n2s train` with no step flags plans to it
 * (main/engine/budget.ts's DEFAULT_CPU_SECONDS holds the same number; a test keeps them equal).
 */
export const DEFAULT_TRAIN_SECONDS = 240;
