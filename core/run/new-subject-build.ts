/**
 * The one constructor of a SubjectBuild: the runner's builds (core/run/subject-build.ts), the
 * records of up-to-date subjects handed to their children (core/run/runner.ts) and assemble's
 * build of its `from` subject (core/assemble/session.ts) all start here.
 */
import type { Logger } from '../log/logger.ts';
import type { Progress, RunContext, SubjectBuild } from './context.ts';
import type { Subject } from '../subject/types.ts';

export interface SubjectBuildInit {
  run: RunContext;
  subject: Subject;
  parent: SubjectBuild | undefined;
  logger: Logger;
  /** Default: a progress that shows nothing (a subject that is not built). */
  progress?: Progress;
  /** Default: '' (no log file of its own). */
  logFile?: string;
  key?: string | undefined;
  baseImage?: SubjectBuild['baseImage'];
  image?: SubjectBuild['image'];
  partition?: string | undefined;
  /** The Portage model the plan rendered for this subject, kept so the build does not render it again. */
  portage?: SubjectBuild['portage'];
}

const SILENT: Progress = { output() {}, title() {} };

export function newSubjectBuild(init: SubjectBuildInit): SubjectBuild {
  return {
    run: init.run,
    subject: init.subject,
    parent: init.parent,
    logger: init.logger,
    progress: init.progress ?? SILENT,
    logFile: init.logFile ?? '',
    ...(init.key ? { key: init.key } : {}),
    ...(init.baseImage ? { baseImage: init.baseImage } : {}),
    ...(init.image ? { image: init.image } : {}),
    ...(init.partition ? { partition: init.partition } : {}),
    ...(init.portage ? { portage: init.portage } : {}),
    phases: [],
    data: new Map(),
  };
}
