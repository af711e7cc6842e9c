import type { DoctorCheck } from '../types.ts';
import { configCheck } from './config.ts';
import { diskCheck } from './disk.ts';
import { dockerCheck } from './docker.ts';
import { gpgCheck } from './gpg.ts';
import { loopCheck } from './loop.ts';
import { nodeCheck } from './node.ts';
import { registryCheck } from './registry.ts';
import { squashfsCheck } from './squashfs.ts';
import { stage3Check, treeCheck } from './sources.ts';
import { swarmCheck } from './swarm.ts';

/** Every check, in the order they are printed. */
export const checks: readonly DoctorCheck[] = [
  nodeCheck,
  configCheck,
  dockerCheck,
  stage3Check,
  treeCheck,
  squashfsCheck,
  loopCheck,
  diskCheck,
  registryCheck,
  swarmCheck,
  gpgCheck,
];
