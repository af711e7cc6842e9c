import { defineCommand } from '../command.ts';

export const command = defineCommand({
  name: 'doctor',
  summary: 'doctor (not yet implemented)',
});
