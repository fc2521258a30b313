import type { Command } from '../command.ts';
import { UserError } from '../errors.ts';

// Placeholder until this command is implemented; it refuses clearly instead of pretending.
export const command: Command = {
  name: 'info',
  summary: '',
  help: 'n2s info: not available in this build yet',
  run: async () => {
    throw new UserError('n2s info is not available in this build yet');
  },
};
