/**
 * run.data key of the farm, for code that has only the RunContext (the emerge plugin sets it
 * before a run). Kept apart from key.ts so light modules can use it.
 */
export const FARM_DATA = 'binfarm:farm';
