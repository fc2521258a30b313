/** Recently opened files, newest first, persisted as JSON in the user-data folder. */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';

const MAX = 10;
const RecentFile = z.object({ version: z.literal(1), paths: z.array(z.string()) });

export class RecentFiles {
  private paths: string[] = [];
  private readonly file: string;

  constructor(
    userDataDir: string,
    private readonly onChange?: (paths: string[]) => void,
  ) {
    this.file = join(userDataDir, 'recent-files.json');
    try {
      const parsed = RecentFile.safeParse(JSON.parse(readFileSync(this.file, 'utf8')));
      if (parsed.success) this.paths = parsed.data.paths.slice(0, MAX);
    } catch {
      // No file yet, or unreadable: start empty rather than refuse to start the app.
    }
  }

  list(): string[] {
    return [...this.paths];
  }

  add(path: string): string[] {
    this.paths = [path, ...this.paths.filter((p) => p !== path)].slice(0, MAX);
    this.save();
    this.onChange?.(this.list());
    return this.list();
  }

  private save(): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ version: 1, paths: this.paths }, null, 1));
    renameSync(tmp, this.file);
  }
}
