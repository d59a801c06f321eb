import { join } from 'node:path';
import { parse } from 'graphql';
import type { FetchNode, PlanNode } from '@apollo/query-planner';
import { composeSupergraph, readSubgraphSources } from '../../../scripts/compose';
import { EntityCache, MemoryCacheStore, type FetchCachePlan } from '../../../gateway/src/cache';
import { QueryPlanExecutor } from '../../../gateway/src/execution';
import { buildFederatedSchema } from '../../../gateway/src/federation/schema';
import { parseSupergraph } from '../../../gateway/src/federation/supergraph';
import { createLogger } from '../../../lib/logger';

/** Our schemas, planned by the executor with the entity cache on: each fetch with the plan the cache made for it. */
function planner() {
  const supergraph = parseSupergraph(composeSupergraph(readSubgraphSources(join(__dirname, '..', '..', '..', 'schemas'))), 'schemas');
  const cache = new EntityCache({ store: new MemoryCacheStore({ maxEntries: 10, maxBytes: 10_000 }), logger: createLogger('silent') });
  const executor = new QueryPlanExecutor(buildFederatedSchema(supergraph.executableSdl, 'schemas'), new Map(), cache);
  return (document: string): Array<{ subgraph: string; operation: string; cache: FetchCachePlan }> => {
    const fetches: FetchNode[] = [];
    const walk = (node: PlanNode | undefined): void => {
      if (!node) return;
      if (node.kind === 'Fetch') fetches.push(node);
      else if (node.kind === 'Sequence' || node.kind === 'Parallel') node.nodes.forEach(walk);
      else if (node.kind === 'Flatten') walk(node.node);
    };
    walk(executor.plans.planFor(parse(document), undefined).plan.node as PlanNode);
    return fetches.map((node) => {
      const compiled = executor.plans.compiled(node);
      return { subgraph: node.serviceName, operation: JSON.parse(`${compiled.bodyPrefix}{}}`).query, cache: compiled.cache! };
    });
  };
}

describe('what the entity cache plans for a fetch, once per plan', () => {
  const plan = planner();

  it('gives a root fetch the least maxAge of its fields (Apollo Server\'s rules) and tags lists of entities', () => {
    const [products, inventory] = plan('{ products(first: 50) { nodes { id name price { amount currency } stock { available } } } }');
    expect(products.cache).toMatchObject({ kind: 'root', policy: { maxAge: 60, scope: 'PUBLIC' }, listTags: ['list:Product'] });
    expect(products.cache.rootKeyPrefix).toMatch(/^r:products:/);
    expect(inventory.cache.kind).toBe('entities');
    expect(inventory.cache.byType.get('Product')).toMatchObject({ policy: { maxAge: 5, scope: 'PUBLIC' }, keyPrefix: expect.stringMatching(/^e:inventory:Product:/) });
  });

  it('adds __typename and the key where an entity appears without them, so the answer names it', () => {
    const [products] = plan('{ products(first: 5) { nodes { name } } }');
    expect(products.operation).toBe('{products(first:5){nodes{name __typename id}}}');
    const [mutation] = plan('mutation { adjustStock(productId: "p-1", warehouseId: "wh-1", delta: 1, reason: "r") { stock { available } } }');
    expect(mutation.cache.kind).toBe('mutation');
    expect(mutation.operation).toContain('stock{available}__typename id}');
  });

  it('caches nothing a field without a hint is part of', () => {
    const [inventory] = plan('{ warehouses { id } reservation(id: "r-1") { id quantity } }');
    expect(inventory.cache.policy.maxAge).toBe(0);
    expect(inventory.cache.rootKeyPrefix).toBeUndefined();
  });

  it('makes payments PRIVATE (cached per caller identity)', () => {
    const [payments] = plan('{ payment(id: "pay-1") { id status } }');
    expect(payments.cache.policy).toEqual({ maxAge: 30, scope: 'PRIVATE' });
  });

  it('does not cache an answer whose entities it cannot name (an alias holds the key field\'s name)', () => {
    const [products] = plan('{ products(first: 5) { nodes { id: name } } }');
    expect(products.cache.rootKeyPrefix).toBeUndefined();
    expect(products.cache.unkeyedTypes).toEqual(['Product']);
  });
});
