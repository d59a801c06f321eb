import type { CacheSchemaFacts, KeyFields } from './schema-facts';

/**
 * Cache tags: what an entry depends on, and what an invalidation names.
 * An entity's tag is its type and key values, e.g. `Product:{"id":"p-1"}`:
 * the key's fields in the order the `@key` declares them, so a subgraph's
 * representation, an event's `entity` and an operator's request name the
 * same entity with the same text. `list:Product` is on every root-field
 * answer holding a list of products: an event that adds one (ProductCreated)
 * invalidates those.
 */
export type CacheTag = string;

export function entityTag(type: string, keyValues: unknown): CacheTag {
  return `${type}:${JSON.stringify(keyValues)}`;
}

export function listTag(type: string): CacheTag {
  return `list:${type}`;
}

/** The key's values read from an object (nested keys too), in the key's order; undefined when one is missing or null. */
export function keyValuesOf(object: Readonly<Record<string, unknown>>, key: KeyFields): Record<string, unknown> | undefined {
  const values: Record<string, unknown> = {};
  for (const field of key) {
    const value = object[field.name];
    if (value === undefined || value === null) return undefined;
    if (field.fields) {
      if (typeof value !== 'object' || Array.isArray(value)) return undefined;
      const nested = keyValuesOf(value as Record<string, unknown>, field.fields);
      if (!nested) return undefined;
      values[field.name] = nested;
    } else {
      values[field.name] = value;
    }
  }
  return values;
}

/** The tags of one entity object (one per key of its type it carries the values of). */
export function tagsOfEntity(facts: CacheSchemaFacts, type: string, object: Readonly<Record<string, unknown>>, into: Set<CacheTag>): void {
  for (const key of facts.keysOf(type)) {
    const values = keyValuesOf(object, key);
    if (values) into.add(entityTag(type, values));
  }
}

/**
 * Every entity an answer holds, as tags: each object whose `__typename` is an
 * entity type and that carries one of its keys. The fetch plan selects both
 * wherever an entity can appear in a cached answer (fetch-plan.ts).
 */
export function tagsInAnswer(facts: CacheSchemaFacts, value: unknown, into: Set<CacheTag>): void {
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const item of value) tagsInAnswer(facts, item, into);
    return;
  }
  const object = value as Record<string, unknown>;
  const typename = object.__typename;
  if (typeof typename === 'string' && facts.isEntity(typename)) tagsOfEntity(facts, typename, object, into);
  for (const key in object) {
    const child = object[key];
    if (child !== null && typeof child === 'object') tagsInAnswer(facts, child, into);
  }
}
