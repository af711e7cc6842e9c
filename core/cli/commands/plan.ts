import { defineCommand } from '../command.ts';

export const command = defineCommand({
  name: 'plan',
  summary: 'plan (not yet implemented)',
});
