import { BinfarmError, type Plugin } from 'binfarm';
import { smokeSubject, type SmokeOptions } from './src/subject.ts';

export { smokeSubject, type SmokeOptions };

/**
 * @binfarm/plugin-smoke — the subject a new user builds first (`binfarm run smoke`):
 * `=app-text/tree-2.2.1`, `app-misc/hello` (nls toggled by an option), `app-misc/jq` +
 * `dev-libs/oniguruma`, each checked by a smoke test in the built image.
 */
export function smoke(options: SmokeOptions = {}): Plugin {
  const { name, spec } = smokeSubject(options);
  return {
    name: 'smoke',
    version: '0.1.0',
    apply(farm) {
      farm.hooks.subjects.tap('smoke', (subjects) => {
        const existing = subjects[name];
        if (existing) {
          throw new BinfarmError('E_SUBJECT', `subject "${name}" is defined twice: by ${existing.contributedBy ?? 'the config'} and by the smoke plugin`, {
            hint: 'Give the smoke subject another name: smoke({ name: "smoke-test" }).',
          });
        }
        subjects[name] = { ...structuredClone(spec), contributedBy: 'smoke' };
        return subjects;
      });
    },
  };
}

export default smoke;
