import { BinfarmError, definePackageSets, type SubjectSpec } from 'binfarm';

export interface SmokeOptions {
  /** Build app-misc/hello with USE=nls (default) or -nls: flipping it must give a new binary package. */
  nls?: boolean;
  /** Subject name (default `smoke`). */
  name?: string;
  /** Parent subject (default `base`). */
  parent?: string;
}

const KNOWN = ['nls', 'name', 'parent'];

/**
 * The smoke subject (docs/internals/hep-layers.md#smoke): three small, stable, @FREE ::gentoo packages that
 * exercise the whole path in minutes — a C compile (tree), autotools with a USE toggle
 * (hello), and a runtime dependency with a subslot binding (jq on oniguruma). They need no
 * accept_keywords or package.license entries: a control group for the HEP layers.
 */
export function smokeSubject(options: SmokeOptions = {}): { name: string; spec: SubjectSpec } {
  for (const key of Object.keys(options)) {
    if (!KNOWN.includes(key)) {
      throw new BinfarmError('E_CONFIG_INVALID', `smoke option "${key}" does not exist`, { hint: `Options: ${KNOWN.join(', ')}.` });
    }
  }
  if (options.nls !== undefined && typeof options.nls !== 'boolean') {
    throw new BinfarmError('E_CONFIG_INVALID', `smoke option "nls" must be true or false, got ${JSON.stringify(options.nls)}`);
  }
  const nls = options.nls ?? true;
  return {
    name: options.name ?? 'smoke',
    spec: {
      parent: options.parent ?? 'base',
      description: 'smoke test: tree, hello and jq from ::gentoo, built in minutes',
      sets: definePackageSets({
        smoke: {
          // 2.3.x is EAPI 9, which an older stage3 Portage cannot read
          '=app-text/tree-2.2.1': {},
          'app-misc/hello': { use: [nls ? 'nls' : '-nls'] },
          'app-misc/jq': {},
          'dev-libs/oniguruma': {},
        },
      }),
      smoke: [
        { name: 'tree', cmd: ['tree', '--version'], expect: /tree v2\.2\.1/ },
        { name: 'hello', cmd: ['hello'], expect: 'Hello, world!' },
        // exactly "1": a string expect only needs to occur in stdout
        { name: 'jq', cmd: ['jq', '-n', '{"a":1}|.a'], expect: /^1\n?$/ },
      ],
      labels: { 'binfarm.smoke.nls': String(nls) },
    },
  };
}
