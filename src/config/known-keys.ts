/**
 * The field names a schema allows at a place in a document, so an unknown field can be answered
 * with the one the writer probably meant (`quorom` → `quorum`).
 */
import { closest, distance } from 'fastest-levenshtein';
import type { z } from 'zod';

type Def = {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  discriminator?: string;
  in?: z.ZodType;
  left?: z.ZodType;
  right?: z.ZodType;
  getter?: () => z.ZodType;
};

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** The object schemas `schema` can be for `value` (a discriminated union picks its branch). */
function objectSchemas(schema: z.ZodType, value: unknown): z.ZodType[] {
  const def = defOf(schema);
  switch (def.type) {
    case 'object':
      return [schema];
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return objectSchemas(def.innerType!, value);
    case 'pipe':
      return objectSchemas(def.in!, value);
    case 'lazy':
      return objectSchemas(def.getter!(), value);
    case 'intersection':
      return [...objectSchemas(def.left!, value), ...objectSchemas(def.right!, value)];
    case 'union': {
      const all = def.options!.flatMap((o) => objectSchemas(o, value));
      const tag = def.discriminator;
      if (!tag || value === null || typeof value !== 'object') return all;
      const chosen = all.filter((o) => {
        const field = defOf(o).shape?.[tag];
        const values = field
          ? (field as unknown as { _zod: { values?: Set<unknown> } })._zod.values
          : undefined;
        return values?.has((value as Record<string, unknown>)[tag]);
      });
      return chosen.length ? chosen : all;
    }
    default:
      return [];
  }
}

/** The schema that describes the value at `path` of `data`, or undefined when the path leaves it. */
function schemaAt(schema: z.ZodType, data: unknown, path: readonly PropertyKey[]): z.ZodType[] {
  let current: { schema: z.ZodType; value: unknown }[] = [{ schema, value: data }];
  for (const segment of path) {
    const next: { schema: z.ZodType; value: unknown }[] = [];
    for (const { schema: s, value } of current) {
      const child =
        value !== null && typeof value === 'object'
          ? (value as Record<PropertyKey, unknown>)[segment]
          : undefined;
      for (const candidate of unwrapped(s, value)) {
        const def = defOf(candidate);
        if (def.type === 'object' && typeof segment === 'string' && def.shape?.[segment])
          next.push({ schema: def.shape[segment], value: child });
        else if (def.type === 'array' && typeof segment === 'number')
          next.push({ schema: def.element!, value: child });
        else if (def.type === 'record') next.push({ schema: def.valueType!, value: child });
      }
    }
    current = next;
  }
  return current.flatMap(({ schema: s, value }) => objectSchemas(s, value));
}

/** `schema` with its wrappers taken off, as the object, array or record it is for `value`. */
function unwrapped(schema: z.ZodType, value: unknown): z.ZodType[] {
  const def = defOf(schema);
  if (def.type === 'array' || def.type === 'record') return [schema];
  if (['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional'].includes(def.type))
    return unwrapped(def.innerType!, value);
  if (def.type === 'pipe') return unwrapped(def.in!, value);
  if (def.type === 'lazy') return unwrapped(def.getter!(), value);
  return objectSchemas(schema, value);
}

/** The field names allowed in the object at `path` of `data`. */
export function knownKeys(schema: z.ZodType, data: unknown, path: readonly PropertyKey[]): string[] {
  return [...new Set(schemaAt(schema, data, path).flatMap((o) => Object.keys(defOf(o).shape ?? {})))];
}

/** The allowed name nearest to `key`, when it is near enough to be a typo. */
export function suggestion(key: string, allowed: readonly string[]): string | undefined {
  if (allowed.length === 0) return undefined;
  const best = closest(key, allowed);
  const limit = Math.max(1, Math.floor(Math.max(key.length, best.length) / 3));
  return distance(key.toLowerCase(), best.toLowerCase()) <= limit ? best : undefined;
}
