/** The app's log: one line per record, to stderr by default; tests pass a collecting logger. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const consoleLogger: Logger = {
  info: (m) => process.stderr.write(`[n2s] ${m}\n`),
  warn: (m) => process.stderr.write(`[n2s] warning: ${m}\n`),
  error: (m) => process.stderr.write(`[n2s] error: ${m}\n`),
};

/** A logger that keeps its lines (for tests and for quiet runs). */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(`info: ${m}`),
    warn: (m) => lines.push(`warn: ${m}`),
    error: (m) => lines.push(`error: ${m}`),
  };
}
