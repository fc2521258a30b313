/** One `n2s` subcommand: its help text and its action. Each lives in main/cli/commands/NAME.ts. */
export interface Command {
  name: string;
  summary: string;
  /** Full help (usage line and every flag), printed by `n2s NAME --help`. */
  help: string;
  run(argv: string[]): Promise<number>;
}

/** --json output: one JSON object per line, progress events then a final result. */
export function emitJson(obj: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(obj) + '\n');
}
