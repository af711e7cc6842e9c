import { defineCommand } from '../command.ts';

export const command = defineCommand({
  name: 'init',
  summary: 'init (not yet implemented)',
});
