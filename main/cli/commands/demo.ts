import type { Command } from '../command.ts';
import { UserError } from '../errors.ts';

// Placeholder until this command is implemented; it refuses clearly instead of pretending.
export const command: Command = {
  name: 'demo',
  summary: '',
  help: 'n2s demo: not available in this build yet',
  run: async () => {
    throw new UserError('n2s demo is not available in this build yet');
  },
};
