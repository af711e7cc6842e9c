import type { z } from 'zod';

/**
 * Reads the shape of the zod config schema: which keys exist below a path and what kind of
 * value a leaf takes. Overrides (`--set`, BINFARM_*) use it to check keys and coerce strings;
 * validation uses it to suggest the nearest valid key.
 */

type AnySchema = z.ZodType;
interface Def {
  type: string;
  innerType?: AnySchema;
  getter?: () => AnySchema;
  in?: AnySchema;
  out?: AnySchema;
  shape?: Record<string, AnySchema>;
  valueType?: AnySchema;
  element?: AnySchema;
  options?: AnySchema[];
  values?: unknown[];
  entries?: Record<string, unknown>;
}

function defOf(s: AnySchema): Def {
  return (s as unknown as { _zod: { def: Def } })._zod.def;
}

/** Strips wrappers (default, optional, nullable, lazy, preprocess pipes, ...). */
export function unwrapSchema(s: AnySchema): AnySchema {
  let cur = s;
  for (let i = 0; i < 50; i++) {
    const d = defOf(cur);
    if (d.innerType && ['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch', 'nonoptional'].includes(d.type)) cur = d.innerType;
    else if (d.type === 'lazy' && d.getter) cur = d.getter();
    else if (d.type === 'pipe' && d.in && d.out) cur = defOf(d.in).type === 'transform' ? d.out : d.in;
    else return cur;
  }
  return cur;
}

export type SchemaKind = 'string' | 'number' | 'boolean' | 'array' | 'object' | 'record' | 'enum' | 'union' | 'unknown' | 'other';

export function schemaKind(s: AnySchema): SchemaKind {
  const t = defOf(unwrapSchema(s)).type;
  switch (t) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'array':
    case 'object':
    case 'record':
    case 'enum':
    case 'union':
    case 'unknown':
      return t;
    case 'literal':
      return 'enum';
    case 'any':
      return 'unknown';
    case 'int':
    case 'bigint':
      return 'number';
    default:
      return 'other';
  }
}

/** Union members (a discriminated union is a union in zod 4). */
function unionOptions(s: AnySchema): AnySchema[] {
  const d = defOf(unwrapSchema(s));
  return d.type === 'union' ? (d.options ?? []).map(unwrapSchema) : [];
}

/** The keys an object (or a union of objects) accepts; [] for records and leaves. */
export function knownKeys(s: AnySchema): string[] {
  const u = unwrapSchema(s);
  const d = defOf(u);
  if (d.type === 'object') return Object.keys(d.shape ?? {});
  if (d.type === 'union') return [...new Set(unionOptions(u).flatMap(knownKeys))];
  return [];
}

/**
 * The schema of `key` below `s`: an object's property, a record's value, an array's element
 * (numeric key), or the matching member of a union of objects. Undefined when the key does
 * not exist; an `unknown` schema accepts anything below it.
 */
export function childSchema(s: AnySchema, key: string): AnySchema | undefined {
  const u = unwrapSchema(s);
  const d = defOf(u);
  switch (d.type) {
    case 'object':
      return d.shape && Object.hasOwn(d.shape, key) ? d.shape[key] : undefined;
    case 'record':
      return d.valueType;
    case 'array':
      return /^\d+$/.test(key) ? d.element : undefined;
    case 'union': {
      for (const o of unionOptions(u)) {
        const c = childSchema(o, key);
        if (c) return c;
      }
      return undefined;
    }
    case 'unknown':
    case 'any':
      return u;
    default:
      return undefined;
  }
}

/** Allowed literal values of an enum or literal leaf. */
export function enumValues(s: AnySchema): string[] {
  const d = defOf(unwrapSchema(s));
  if (d.type === 'enum') return Object.values(d.entries ?? {}).map(String);
  if (d.type === 'literal') return (d.values ?? []).map(String);
  return [];
}

/** The element schema of an array leaf. */
export function arrayElement(s: AnySchema): AnySchema | undefined {
  const d = defOf(unwrapSchema(s));
  return d.type === 'array' ? d.element : undefined;
}

/** Whether the leaf accepts a plain string (strings, enums, unions containing a string). */
export function acceptsString(s: AnySchema): boolean {
  const k = schemaKind(s);
  if (k === 'string' || k === 'enum') return true;
  if (k === 'union') return unionOptions(s).some(acceptsString);
  return false;
}

/** Walks a path of keys; undefined plus the failing index when a key does not exist. */
export function schemaAt(root: AnySchema, path: readonly string[]): { schema: AnySchema } | { missingAt: number; parent: AnySchema } {
  let cur = root;
  for (let i = 0; i < path.length; i++) {
    const next = childSchema(cur, path[i]!);
    if (!next) return { missingAt: i, parent: cur };
    cur = next;
  }
  return { schema: cur };
}
