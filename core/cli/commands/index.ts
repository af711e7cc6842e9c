import type { CommandDefinition } from '../command.ts';
import { command as run } from './run.ts';
import { command as plan } from './plan.ts';
import { command as config } from './config.ts';
import { command as doctor } from './doctor.ts';
import { command as init } from './init.ts';
import { command as render } from './render.ts';
import { command as importSpec } from './import-spec.ts';
import { command as assemble } from './assemble.ts';
import { command as binhost } from './binhost.ts';
import { command as serve } from './serve.ts';
import { command as runs } from './runs.ts';
import { command as logs } from './logs.ts';
import { command as ls } from './ls.ts';
import { command as clean } from './clean.ts';
import { command as status } from './status.ts';
import { command as sbom } from './sbom.ts';
import { command as verify } from './verify.ts';

/**
 * Every CLI command, in `--help` order. One module per command; add yours here. Modules must
 * stay light: the implementation is imported inside `run` (see command.ts).
 */
export const commands: ReadonlyArray<CommandDefinition<any>> = [
  run,
  plan,
  status,
  ls,
  runs,
  logs,
  clean,
  assemble,
  config,
  doctor,
  init,
  render,
  importSpec,
  binhost,
  serve,
  sbom,
  verify,
];
