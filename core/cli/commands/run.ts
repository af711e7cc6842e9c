import { defineCommand } from '../command.ts';

export const command = defineCommand({
  name: 'run',
  summary: 'run (not yet implemented)',
});
