import { createHash } from 'node:crypto';
import type { ASTNode, DocumentNode, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import { analyseOperation, type OperationAnalysis } from './analysis';
import { collectFindings } from './denials';
import { filterOperation } from './filter';
import { satisfies, type AccessPolicy } from './policy';
import type { AuthorizationOutcome, Caller, DeniedSite } from './types';

export interface AuthorizerOptions {
  /**
   * Outcomes (each holding a filtered document) kept per document and
   * operation, one per caller class; the oldest is forgotten first. The
   * documents themselves live as long as the pipeline's document cache keeps
   * them (bounded by bytes). Default 16.
   */
  maxOutcomesPerDocument?: number;
  /** Most fields the walk that reports denials may visit (the shape limit `maxSelections`). Default 10 000. */
  maxSelections?: number;
}

interface Entry {
  readonly analysis: OperationAnalysis;
  /** By caller class: which touched requirements the caller satisfies. */
  readonly outcomes: Map<string, AuthorizationOutcome>;
  /** Shared by every class that is denied nothing. */
  readonly passthrough: AuthorizationOutcome;
}

/**
 * Decides, before planning, what of an operation the caller may see. The walk
 * over a document happens once per (document object, operationName); the
 * filtering once per caller class, i.e. per combination of satisfied
 * requirements among those the operation touches (plus whether the caller is
 * authenticated, which picks 401 or 403). A repeated request costs a WeakMap
 * lookup, one requirement check per touched requirement and a Map lookup.
 */
export class Authorizer {
  private readonly entries = new WeakMap<DocumentNode, Map<string, Entry>>();
  private readonly maxOutcomesPerDocument: number;
  private readonly maxExpandedSelections: number;

  constructor(
    private readonly policy: AccessPolicy,
    private readonly apiSchema: GraphQLSchema,
    options: AuthorizerOptions = {},
  ) {
    this.maxOutcomesPerDocument = Math.max(1, options.maxOutcomesPerDocument ?? 16);
    this.maxExpandedSelections = options.maxSelections ?? 10_000;
  }

  authorize(document: DocumentNode, operationName: string | undefined, caller: Caller): AuthorizationOutcome {
    if (this.policy.isEmpty) return passthroughOf(document);
    const entry = this.entryFor(document, operationName);
    const { requirements } = entry.analysis;
    if (requirements.length === 0) return entry.passthrough;

    const met = requirements.map((r) => satisfies(this.policy.requirements[r], caller));
    const callerClass = (caller.authenticated ? 'A' : 'a') + met.map((m) => (m ? '1' : '0')).join('');
    const cached = entry.outcomes.get(callerClass);
    if (cached) return cached;

    const outcome = this.decide(entry, new Set(requirements.filter((_, i) => met[i])), caller);
    // Maps iterate in insertion order: the first key is the oldest outcome.
    if (entry.outcomes.size >= this.maxOutcomesPerDocument) entry.outcomes.delete(entry.outcomes.keys().next().value!);
    entry.outcomes.set(callerClass, outcome);
    return outcome;
  }

  private entryFor(document: DocumentNode, operationName: string | undefined): Entry {
    let byName = this.entries.get(document);
    if (!byName) {
      byName = new Map();
      this.entries.set(document, byName);
    }
    const name = operationName ?? '';
    let entry = byName.get(name);
    if (!entry) {
      const analysis = analyseOperation(document, operationName, this.policy, this.apiSchema);
      entry = { analysis, outcomes: new Map(), passthrough: passthroughOf(document) };
      byName.set(name, entry);
    }
    return entry;
  }

  private decide(entry: Entry, met: ReadonlySet<number>, caller: Caller): AuthorizationOutcome {
    const { analysis } = entry;
    const denied = new Map<ASTNode, DeniedSite>();
    for (const [node, site] of analysis.sites) {
      const unmet = site.requirements.filter((r) => !met.has(r)).map((r) => this.policy.requirements[r]);
      if (unmet.length === 0) continue;
      denied.set(node, { reason: unmet.some((r) => r.kind === 'authenticated') ? 'authentication' : 'scopes', unmet });
    }
    if (denied.size === 0 || !analysis.operation) return entry.passthrough;

    const withOperation = analysis as OperationAnalysis & { operation: OperationDefinitionNode };
    const filtered = filterOperation(withOperation, denied, this.apiSchema);
    const findings = collectFindings(analysis, filtered, denied, this.apiSchema, this.maxExpandedSelections);
    // The filtered document depends only on which sites were removed as denied
    // (denied sites under a removed parent change nothing), so that is the key.
    const removedSites = [...filtered.removed]
      .filter(([, removal]) => removal === 'denied')
      .map(([node]) => analysis.sites.get(node)!.index)
      .sort((a, b) => a - b);
    return {
      document: filtered.document,
      denials: findings.denials,
      nothingLeft: filtered.nothingLeft,
      key: `authz:${createHash('sha256').update(removedSites.join(',')).digest('base64url').slice(0, 16)}`,
      needsAuthentication: !caller.authenticated && findings.denials.length > 0,
      patch: { nulls: findings.nulls, denials: findings.denialSteps, typenameAdded: filtered.typenameAdded },
    };
  }
}

const NO_PATCH = { nulls: [], denials: [], typenameAdded: false } as const;

function passthroughOf(document: DocumentNode): AuthorizationOutcome {
  return { document, denials: [], nothingLeft: false, key: '', needsAuthentication: false, patch: NO_PATCH };
}
