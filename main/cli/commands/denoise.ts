import type { Command } from '../command.ts';
import { UserError } from '../errors.ts';

// Placeholder until this command is implemented; it refuses clearly instead of pretending.
export const command: Command = {
  name: 'denoise',
  summary: '',
  help: 'n2s denoise: not available in this build yet',
  run: async () => {
    throw new UserError('n2s denoise is not available in this build yet');
  },
};
