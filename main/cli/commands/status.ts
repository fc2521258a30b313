import type { Command } from '../command.ts';
import { UserError } from '../errors.ts';

// Placeholder until this command is implemented; it refuses clearly instead of pretending.
export const command: Command = {
  name: 'status',
  summary: '',
  help: 'n2s status: not available in this build yet',
  run: async () => {
    throw new UserError('n2s status is not available in this build yet');
  },
};
