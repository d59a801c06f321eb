import { readAccessPolicy, type AccessPolicy } from '../../../gateway/src/auth/authorization';
import { FEDERATION_LINK, apiSchemaOf, composeSupergraph, shopPolicy, shopSupergraph } from './support';

function describeField(policy: AccessPolicy, coordinate: string) {
  return (policy.ofField.get(coordinate) ?? []).map((i) => policy.requirements[i]);
}

function describeType(policy: AccessPolicy, name: string) {
  return (policy.ofType.get(name) ?? []).map((i) => policy.requirements[i]);
}

describe('reading the access policy from a supergraph', () => {
  it('composition carries the directives into the supergraph behind for: SECURITY links', () => {
    expect(shopSupergraph).toContain('@link(url: "https://specs.apollo.dev/authenticated/v0.1", for: SECURITY)');
    expect(shopSupergraph).toContain('@link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY)');
  });

  it('reads @authenticated and @requiresScopes on field definitions', () => {
    expect(describeField(shopPolicy, 'Query.me')).toEqual([{ kind: 'authenticated' }]);
    expect(describeField(shopPolicy, 'Product.supplierEmail')).toEqual([
      { kind: 'scopes', anyOf: [['admin'], ['read:emails', 'read:suppliers']] },
    ]);
    expect(describeField(shopPolicy, 'Product.name')).toEqual([]);
  });

  it('reads them on object types, scalars and enums', () => {
    expect(describeType(shopPolicy, 'Book')).toEqual([{ kind: 'authenticated' }]);
    expect(describeType(shopPolicy, 'Report')).toEqual([{ kind: 'scopes', anyOf: [['read:reports']] }]);
    expect(describeType(shopPolicy, 'Ssn')).toEqual([{ kind: 'authenticated' }]);
    expect(describeType(shopPolicy, 'Level')).toEqual([{ kind: 'scopes', anyOf: [['read:level']] }]);
  });

  it('interns equal requirements, so callers are classified by a handful of checks', () => {
    const authenticated = shopPolicy.requirements.filter((r) => r.kind === 'authenticated');
    expect(authenticated).toHaveLength(1);
    expect(shopPolicy.isEmpty).toBe(false);
  });

  it('reads the requirements composition put on an interface from its implementations', () => {
    const supergraph = composeSupergraph({
      items: `
        ${FEDERATION_LINK}
        type Query { items: [Item] }
        interface Item { id: ID! title: String }
        type Book implements Item @authenticated { id: ID! title: String }
        type Video implements Item { id: ID! title: String @requiresScopes(scopes: [["read:video"]]) }
      `,
    });
    const policy = readAccessPolicy(supergraph, apiSchemaOf(supergraph));
    expect(describeType(policy, 'Item')).toEqual([{ kind: 'authenticated' }]);
    expect(describeField(policy, 'Item.title')).toEqual([{ kind: 'scopes', anyOf: [['read:video']] }]);
  });

  it('is empty for a supergraph without authorization directives', () => {
    const supergraph = composeSupergraph({ open: `${FEDERATION_LINK}\ntype Query { hello: String }` });
    expect(readAccessPolicy(supergraph, apiSchemaOf(supergraph)).isEmpty).toBe(true);
  });

  it('follows a link that renames the feature with as:', () => {
    const renamed = shopSupergraph
      .replace('@link(url: "https://specs.apollo.dev/authenticated/v0.1", for: SECURITY)', '@link(url: "https://specs.apollo.dev/authenticated/v0.1", as: "signedIn", for: SECURITY)')
      .replace(/directive @authenticated on/, 'directive @signedIn on')
      .replace(/@authenticated\b/g, '@signedIn');
    const policy = readAccessPolicy(renamed, apiSchemaOf(shopSupergraph));
    expect(describeField(policy, 'Query.me')).toEqual([{ kind: 'authenticated' }]);
  });

  it('follows a link that imports the directive under another name', () => {
    const renamed = shopSupergraph
      .replace(
        '@link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY)',
        '@link(url: "https://specs.apollo.dev/requiresScopes/v0.1", import: [{ name: "@requiresScopes", as: "@scoped" }], for: SECURITY)',
      )
      .replace(/@requiresScopes\(/g, '@scoped(');
    const policy = readAccessPolicy(renamed, apiSchemaOf(shopSupergraph));
    expect(describeField(policy, 'Payment.customerId')).toEqual([{ kind: 'scopes', anyOf: [['read:customers']] }]);
  });

  it('ignores types and fields the API schema does not expose', () => {
    expect(shopPolicy.ofType.has('join__Graph')).toBe(false);
    expect([...shopPolicy.ofField.keys()].every((coordinate) => !coordinate.startsWith('join__'))).toBe(true);
  });
});
