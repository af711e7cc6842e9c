/**
 * Docker repository names (distribution/reference): an optional registry host (it has a `.` or
 * a `:` port, or is `localhost`), then lower-case path components of letters and digits joined
 * by single `.`, `_`, `__` or runs of `-`. Checked when the config loads, not at `docker commit`
 * after hours of emerge.
 */
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const HOST = /^(?:localhost|[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*)(?::\d{1,5})?$/;

/** Why `name` is not a repository prefix, or undefined when it is one. */
export function repositoryProblem(name: string): string | undefined {
  if (!name) return 'it is empty';
  if (name.length > 200) return 'it is longer than 200 characters';
  const parts = name.split('/');
  const first = parts[0]!;
  const hasHost = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasHost && !HOST.test(first)) return `"${first}" is not a registry host[:port]`;
  const path = hasHost ? parts.slice(1) : parts;
  if (!path.length) return 'it names a registry but no repository path';
  const bad = path.find((c) => !COMPONENT.test(c));
  if (bad !== undefined) {
    return bad === ''
      ? 'it has an empty path component ("//" or a trailing "/")'
      : `"${bad}" is not a valid path component: lower-case letters and digits, separated by single ".", "_", "__" or "-"`;
  }
  return undefined;
}
