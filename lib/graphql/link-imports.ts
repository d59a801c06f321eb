import { Kind, type ConstValueNode } from 'graphql';

/**
 * The local name of `@<directive>` in a `@link(import:)` list: the directive's
 * own name for `"@x"`, the alias for `{ name: "@x", as: "@y" }`, undefined
 * when it is not imported. Supergraph readers (authorization, cost) share it.
 */
export function importedDirectiveName(imports: ConstValueNode | undefined, directive: string): string | undefined {
  const entries = imports?.kind === Kind.LIST ? imports.values : imports ? [imports] : [];
  for (const entry of entries) {
    if (entry.kind === Kind.STRING && entry.value === `@${directive}`) return directive;
    if (entry.kind !== Kind.OBJECT) continue;
    const field = (name: string) => entry.fields.find((f) => f.name.value === name)?.value;
    const name = field('name');
    const as = field('as');
    if (name?.kind === Kind.STRING && name.value === `@${directive}`) {
      return as?.kind === Kind.STRING ? as.value.replace(/^@/, '') : directive;
    }
  }
  return undefined;
}
