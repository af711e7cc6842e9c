/**
 * The subject model: what a farm builds. A subject is one factory layer (an image plus the
 * binary packages it builds); subjects form a DAG through `parent`. The base subject is built
 * from the stage3 and has no parent.
 */
import type { z } from 'zod';
import type { AtomSpecSchema } from '../config/schema/subject.ts';

/**
 * Settings for one atom inside a package set (the original YAML spec's shape, extended): the
 * output of AtomSpecSchema (core/config/schema/subject.ts), where each setting is documented.
 */
export interface AtomSpec extends z.output<typeof AtomSpecSchema> {}

/** set name → atom → settings. An atom may map to `{}` (or null in YAML) for "no settings". */
export type PackageSets = Record<string, Record<string, AtomSpec>>;

/** A command run in the subject's image after the build; a failure fails the subject. */
export interface SmokeTest {
  name: string;
  /** argv, run without a shell. */
  cmd: string[];
  /** When given, stdout must match. */
  expect?: string | RegExp;
  /** Seconds before the test is killed (default 300). */
  timeout?: number;
}

/** Extra /etc/portage content a subject (or plugin) contributes beyond its sets. */
export interface PortageFragment {
  /** make.conf variables (incremental ones are merged by token, the rest override). */
  makeConf?: Record<string, string>;
  /** Files relative to /etc/portage, e.g. `{ 'env/big.conf': 'MAKEOPTS="-j2"\n' }`. */
  files?: Record<string, string>;
}

export interface SubjectSpec {
  /** Parent subject; `'base'` when omitted. The base subject itself has `parent: null`. */
  parent?: string | null;
  description?: string;
  /** Package sets emerged in this subject (each becomes /etc/portage/sets/<name>). */
  sets?: PackageSets;
  portage?: PortageFragment;
  /** Directories (relative to the config file) copied over `/` of the build container. */
  overlays?: string[];
  /** Extra build context directory (copied to /var/lib/binfarm/context in the container). */
  context?: string;
  smoke?: SmokeTest[];
  /** Free-form labels added to the subject image. */
  labels?: Record<string, string>;
  /** Name of the plugin that contributed this subject (filled in by the core). */
  contributedBy?: string;
  /** What the subject's job reserves on a swarm node (docs/scale-out.md). */
  resources?: { cpus?: number; memory?: string };
  /** Swarm placement constraints of the subject's job, e.g. `node.labels.arch==amd64`. */
  placement?: string[];
}

/** A subject after defaults: name and parent resolved. */
export interface Subject extends SubjectSpec {
  readonly name: string;
  readonly parent: string | null;
  readonly sets: PackageSets;
  readonly overlays: string[];
  readonly smoke: SmokeTest[];
}

export const BASE_SUBJECT = 'base';

/** Where a subject's `context` directory is copied in its build container (and so its image). */
export const SUBJECT_CONTEXT_DIR = '/var/lib/binfarm/context';

/** Identity helper for typing a subject in a plugin or config. */
export function defineSubject<T extends SubjectSpec>(spec: T): T {
  return spec;
}

/** Identity helper for typing package sets. */
export function definePackageSets<T extends PackageSets>(sets: T): T {
  return sets;
}
