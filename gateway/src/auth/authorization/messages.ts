import type { Denial, Requirement } from './types';

/**
 * What a caller is told about a denial: which field or type, and what it
 * lacks (a token, or which scopes), as Shopify and Apollo Router document
 * theirs, so a client developer knows what to fix. Scope names are part of
 * the published schema's contract, not secrets.
 */
export function denialMessage(denial: Pick<Denial, 'coordinate' | 'reason' | 'unmet'>): string {
  if (denial.reason === 'authentication') {
    return `Unauthorized field or type: ${denial.coordinate} requires authentication; send a token (Authorization: Bearer <JWT>)`;
  }
  const groups = requiredScopes(denial.unmet);
  const phrase = groups.map((group) => group.map((scope) => `"${scope}"`).join(' and ')).join(', or ');
  const noun = groups.length === 1 && groups[0].length === 1 ? 'the scope' : 'the scopes';
  return `Unauthorized field or type: ${denial.coordinate} requires ${noun} ${phrase}`;
}

/** The extensions of a denial's error, besides its code. */
export function denialExtensions(denial: Pick<Denial, 'reason' | 'unmet'>): Record<string, unknown> {
  return denial.reason === 'authentication' ? { reason: 'authentication' } : { reason: 'scopes', requiredScopes: requiredScopes(denial.unmet) };
}

/**
 * The scope requirements a caller lacks, as one "any of these groups": each
 * requirement is itself any-of-groups and all of them must hold, so the
 * groups are their cross product (in practice one requirement, one group).
 */
export function requiredScopes(unmet: ReadonlyArray<Requirement>): string[][] {
  let groups: string[][] = [[]];
  for (const requirement of unmet) {
    if (requirement.kind !== 'scopes') continue;
    groups = groups.flatMap((prefix) => requirement.anyOf.map((group) => [...new Set([...prefix, ...group])].sort()));
  }
  return groups;
}
