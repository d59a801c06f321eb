import { parse } from 'graphql';
import { CostAnalyzer, readCostPolicy } from '../../../gateway/src/cost';
import { FEDERATION_LINK, apiSchemaOf, composeSupergraph, libraryPolicy, librarySchema, librarySupergraph } from './support';

describe('reading the cost policy from a supergraph', () => {
  it('composition writes @cost and @listSize behind the cost spec link', () => {
    expect(librarySupergraph).toContain('@link(url: "https://specs.apollo.dev/cost/v0.1", import: ["@listSize"])');
  });

  it('reads @cost on object types, scalars and enums', () => {
    expect([...libraryPolicy.typeWeights]).toEqual(expect.arrayContaining([['Author', 3], ['Isbn', 2], ['Genre', 1]]));
  });

  it('reads @cost on fields, arguments and input fields by coordinate', () => {
    expect(libraryPolicy.fieldWeights.get('Query.ranking')).toBe(5);
    expect(libraryPolicy.fieldWeights.get('Book.stock')).toBe(2); // from the other subgraph
    expect(libraryPolicy.argumentWeights.get('Query.search(term:)')).toBe(3);
    expect(libraryPolicy.inputFieldWeights.get('SearchFilter.exact')).toBe(2);
  });

  it('reads @listSize with the spec default requireOneSlicingArgument: true', () => {
    expect(libraryPolicy.listSizes.get('Query.catalog')).toEqual({
      slicingArguments: ['first'],
      sizedFields: ['nodes'],
      requireOneSlicingArgument: false,
    });
    expect(libraryPolicy.listSizes.get('Query.page')).toEqual({
      slicingArguments: ['first', 'last'],
      sizedFields: [],
      requireOneSlicingArgument: true,
    });
    expect(libraryPolicy.listSizes.get('Query.shelf')).toMatchObject({ assumedSize: 4 });
  });

  it('follows a link that renames the feature with as: (and so prefixes @listSize)', () => {
    const renamed = librarySupergraph
      .replace('@link(url: "https://specs.apollo.dev/cost/v0.1", import: ["@listSize"])', '@link(url: "https://specs.apollo.dev/cost/v0.1", as: "price")')
      .replace(/@cost\(/g, '@price(')
      .replace(/directive @cost/, 'directive @price')
      .replace(/@listSize\(/g, '@price__listSize(')
      .replace(/directive @listSize/, 'directive @price__listSize');
    const policy = readCostPolicy(renamed, librarySchema);
    expect(policy.fieldWeights.get('Query.ranking')).toBe(5);
    expect(policy.listSizes.get('Query.shelf')).toMatchObject({ assumedSize: 4 });
  });

  it('follows an import that renames @listSize', () => {
    const renamed = librarySupergraph
      .replace('import: ["@listSize"]', 'import: [{ name: "@listSize", as: "@size" }]')
      .replace(/@listSize\(/g, '@size(')
      .replace(/directive @listSize/, 'directive @size');
    expect(readCostPolicy(renamed, librarySchema).listSizes.get('Query.shelf')).toMatchObject({ assumedSize: 4 });
  });

  it('is empty without directives, and the defaults still apply', () => {
    const supergraph = composeSupergraph({
      plain: `${FEDERATION_LINK}\ntype Query { items: [Item!]! }\ntype Item { id: ID! parts: [Item!]! }`,
    });
    const schema = apiSchemaOf(supergraph);
    const policy = readCostPolicy(supergraph, schema);
    expect(policy.isEmpty).toBe(true);
    // items 1 × (Item 1 + parts 1 × Item 1): unannotated lists count as one item up front
    expect(new CostAnalyzer(policy, schema).analyze(parse('{ items { parts { id } } }'), undefined, {}).estimated).toBe(2);
  });
});
