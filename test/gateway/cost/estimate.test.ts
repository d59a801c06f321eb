import { parse } from 'graphql';
import { CostAnalyzer, readCostPolicy } from '../../../gateway/src/cost';
import { librarySchema, librarySupergraph, libraryAnalyzer, projectSupergraph } from './support';

/**
 * Every expected cost below is computed by hand from the rules in
 * gateway/src/cost/README.md, with the default options (lists of 10,
 * mutation base 10). Reminders of the library's weights: objects 1, Author
 * 3, Isbn 2, Genre 1, Book.stock 2, Query.ranking 5, Query.recommendations
 * 4 per item, `term:` 3, SearchFilter.exact 2.
 */
interface Case {
  name: string;
  query: string;
  variables?: Record<string, unknown>;
  cost: number;
}

const LIBRARY_CASES: Case[] = [
  {
    name: 'a single object with scalars costs its object',
    query: '{ book(id: "1") { title } }',
    cost: 1, // book 1 × (Book 1 + title 0)
  },
  {
    name: 'a list without slicing argument or assumedSize has the default size, nested object types included',
    query: '{ books { title author { name } } }',
    cost: 40, // books 10 × (Book 1 + author 1 × (Author 3 + name 0)) = 10 × 4
  },
  {
    name: 'nested lists multiply: slicing argument outside, assumedSize inside',
    query: '{ books(first: 3) { title reviews { stars } } }',
    cost: 18, // books 3 × (Book 1 + reviews 5 × (Review 1)) = 3 × 6
  },
  {
    name: 'several slicing arguments given: the largest counts',
    query: '{ books(first: 3, limit: 8) { id } }',
    cost: 8, // books max(3, 8) × Book 1
  },
  {
    name: 'a variable as slicing argument',
    query: 'query ($n: Int) { books(first: $n) { id } }',
    variables: { n: 4 },
    cost: 4, // books 4 × Book 1
  },
  {
    name: 'a slicing variable left out: the default list size',
    query: 'query ($n: Int) { books(first: $n) { id } }',
    variables: {},
    cost: 10, // books 10 × Book 1
  },
  {
    name: "a connection: the slicing argument's schema default sizes `nodes`, not pageInfo or totalCount",
    query: '{ catalog { totalCount pageInfo { hasNextPage } nodes { title } } }',
    cost: 9, // catalog 1 × (BookConnection 1 + totalCount 0 + pageInfo 1 + nodes 7 (default first) × Book 1)
  },
  {
    name: 'a connection with a literal first: sizedFields take it',
    query: '{ catalog(first: 2) { nodes { author { name } } } }',
    cost: 9, // catalog 1 × (1 + nodes 2 × (Book 1 + author 3)) = 1 + 8
  },
  {
    name: "a slicing variable's operation default",
    query: 'query ($first: Int = 5) { catalog(first: $first) { nodes { id } } }',
    variables: {},
    cost: 6, // catalog 1 × (1 + nodes 5 × 1)
  },
  {
    name: 'a slicing variable given overrides its operation default',
    query: 'query ($first: Int = 5) { catalog(first: $first) { nodes { id } } }',
    variables: { first: 20 },
    cost: 21, // catalog 1 × (1 + nodes 20 × 1)
  },
  {
    name: "an explicit null slicing argument is not given: the schema default does not apply, the sized field's own size does",
    query: 'query ($first: Int) { catalog(first: $first) { nodes { id } } }',
    variables: { first: null },
    cost: 11, // catalog 1 × (1 + nodes 10 (default list size) × 1)
  },
  {
    name: 'assumedSize',
    query: '{ shelf { title } }',
    cost: 4, // shelf 4 × Book 1
  },
  {
    name: 'a type weight (Author 3) inside a default-sized list, around an assumedSize list',
    query: '{ authors { name books { title } } }',
    cost: 50, // authors 10 × (Author 3 + books 2 × Book 1) = 10 × 5
  },
  {
    name: '@cost on a scalar field',
    query: '{ ranking }',
    cost: 5, // ranking: field weight 5
  },
  {
    name: '@cost on a list field replaces its type weight per item',
    query: '{ recommendations { title } }',
    cost: 12, // recommendations 3 × (field weight 4 + title 0)
  },
  {
    name: '@cost on a scalar type',
    query: '{ book(id: "1") { isbn } }',
    cost: 3, // book 1 × (Book 1 + isbn: Isbn 2)
  },
  {
    name: '@cost on an argument, counted once when given',
    query: '{ search(term: "x") { __typename } }',
    cost: 5, // search 2 × (SearchResult 1 + __typename 0) + term 3
  },
  {
    name: '@cost on input fields and enum values given as a literal argument',
    query: '{ search(term: "x", filter: { genre: FICTION, exact: true }) { __typename } }',
    cost: 8, // 2 × 1 + term 3 + genre (Genre 1) + exact 2
  },
  {
    name: '@cost on input fields given through a variable',
    query: 'query ($f: SearchFilter) { search(term: "x", filter: $f) { __typename } }',
    variables: { f: { exact: true } },
    cost: 7, // 2 × 1 + term 3 + exact 2
  },
  {
    name: 'a weighted argument whose variable is null costs nothing',
    query: 'query ($f: SearchFilter) { search(term: "x", filter: $f) { __typename } }',
    variables: { f: null },
    cost: 5, // 2 × 1 + term 3
  },
  {
    name: 'a named fragment spread in two places counts in both',
    query: `
      { book(id: "1") { ...BookParts related { ... on Book { ...BookParts } } } }
      fragment BookParts on Book { author { name } reviews { stars } }`,
    // BookParts = author 3 + reviews 5 × 1 = 8
    // book 1 × (1 + BookParts 8 + related 2 × (Media 1 + max(Book: 8, Video: 0)))
    //   = 1 + 8 + 2 × 9
    cost: 27,
  },
  {
    name: 'a named fragment spread twice in one selection set counts once, as execution runs it once',
    query: `
      { book(id: "1") { ...BookParts ...BookParts } }
      fragment BookParts on Book { author { name } }`,
    cost: 4, // book 1 × (1 + author 3)
  },
  {
    name: 'inline fragments on the members of a union: the most expensive member counts, not the sum',
    query: `{ search(term: "x") {
      __typename
      ... on Book { author { name } }
      ... on Author { books { title } }
      ... on Video { clips { seconds } }
    } }`,
    // per member: Book author 3; Author books 2 × 1 = 2; Video clips 6 × 1 = 6 → max 6
    cost: 17, // search 2 × (1 + 6) + term 3
  },
  {
    name: "fields on an interface count once, its implementations' fragments by maximum",
    query: `{ featured {
      id
      related { id }
      ... on Book { author { name } }
      ... on Video { clips { seconds } }
    } }`,
    // featured 1 × (Media 1 + related 2 × Media 1 + max(Book: author 3, Video: clips 6 × 1))
    cost: 9, // 1 + 2 + 6
  },
  {
    name: 'a named fragment on an interface spread under a union applies to the members implementing it',
    query: `
      { search(term: "x") { ...Related ... on Author { name } } }
      fragment Related on Media { related { id } }`,
    // Book and Video: related 2 × 1 = 2; Author: name 0 → max 2
    cost: 9, // search 2 × (1 + 2) + term 3
  },
  {
    name: '@skip and @include with literal values',
    query: '{ book(id: "1") { author @skip(if: true) { name } reviews @include(if: true) { stars } } }',
    cost: 6, // book 1 × (1 + author skipped + reviews 5 × 1)
  },
  {
    name: '@include with a variable set to true',
    query: 'query ($withAuthor: Boolean!) { book(id: "1") { author @include(if: $withAuthor) { name } } }',
    variables: { withAuthor: true },
    cost: 4, // book 1 × (1 + author 3)
  },
  {
    name: '@include with a variable set to false',
    query: 'query ($withAuthor: Boolean!) { book(id: "1") { author @include(if: $withAuthor) { name } } }',
    variables: { withAuthor: false },
    cost: 1, // book 1 × (1 + nothing)
  },
  {
    name: '@skip on an inline fragment, its variable defaulted to true by the operation',
    query: 'query ($lean: Boolean = true) { book(id: "1") { ... @skip(if: $lean) { author { name } } } }',
    variables: {},
    cost: 1, // book 1 × (1 + skipped fragment)
  },
  {
    name: 'aliases of a root field count separately',
    query: '{ a: book(id: "1") { title } b: book(id: "2") { title } }',
    cost: 2, // a 1 + b 1
  },
  {
    name: 'aliases of a nested field count separately',
    query: '{ book(id: "1") { a: author { name } b: author { name } } }',
    cost: 7, // book 1 × (1 + a 3 + b 3)
  },
  {
    name: 'a mutation root field adds the mutation base cost',
    query: 'mutation { addBook(title: "Dune") { id } }',
    cost: 11, // base 10 + addBook 1 × Book 1
  },
  {
    name: 'a weighted scalar in a mutation argument',
    query: 'mutation { addBook(title: "Dune", isbn: "978-0441013593") { id } }',
    cost: 13, // base 10 + Book 1 + isbn value (Isbn 2)
  },
  {
    name: 'each mutation root field adds the base cost',
    query: 'mutation { a: addBook(title: "Dune") { id } b: rateBook(id: "1", stars: 5) { author { name } } }',
    cost: 25, // (10 + 1) + (10 + 1 × (1 + author 3))
  },
  {
    name: 'introspection costs nothing',
    query: '{ __schema { types { name fields { name } } } __typename }',
    cost: 0,
  },
  {
    name: '__type next to a real field: only the real field counts',
    query: '{ __type(name: "Book") { name } book(id: "1") { __typename title } }',
    cost: 1, // book 1
  },
  {
    name: 'a list of lists multiplies by the size at each level',
    query: '{ grid { value } }',
    cost: 9, // grid 3 × 3 × Cell 1
  },
  {
    name: 'a list of scalars costs nothing',
    query: '{ tags }',
    cost: 0, // 10 × 0
  },
  {
    name: '@cost on a field resolved by another subgraph',
    query: '{ shelf { stock { available } } }',
    cost: 12, // shelf 4 × (Book 1 + stock 2 (field weight) + available 0)
  },
];

describe('estimated cost over the library supergraph', () => {
  const analyzer = libraryAnalyzer();
  it.each(LIBRARY_CASES)('$name: $cost', ({ query, variables, cost }) => {
    expect(analyzer.analyze(parse(query), undefined, variables).estimated).toBe(cost);
  });
});

describe('slicing arguments inside input objects (`filter.max`)', () => {
  // Composition refuses dotted slicing paths, but the cost spec allows them: patch one in.
  const supergraph = librarySupergraph.replace(
    /filtered\(filter: BookFilter\): \[Book!\]!([^\n]*)/,
    'filtered(filter: BookFilter): [Book!]!$1 @listSize(slicingArguments: ["filter.max"], requireOneSlicingArgument: false)',
  );
  const analyzer = new CostAnalyzer(readCostPolicy(supergraph, librarySchema), librarySchema, { defaultListSize: 10 });
  const cost = (query: string, variables?: Record<string, unknown>) => analyzer.analyze(parse(query), undefined, variables).estimated;

  it('takes the size from a literal input field', () => {
    expect(cost('{ filtered(filter: { max: 3 }) { id } }')).toBe(3); // 3 × Book 1
  });

  it("takes the input field's default when the object omits it", () => {
    expect(cost('{ filtered(filter: { genre: FICTION }) { id } }')).toBe(7); // 6 (max = 6) × 1 + genre (Genre 1)
  });

  it('takes the size from a variable holding the object', () => {
    expect(cost('query ($f: BookFilter) { filtered(filter: $f) { id } }', { f: { max: 2 } })).toBe(2); // 2 × 1
  });

  it('has no size when the object itself is not given', () => {
    expect(cost('{ filtered { id } }')).toBe(10); // default list size 10 × 1
  });
});

describe('estimated cost over the project supergraph (schemas/)', () => {
  const { schema, policy } = projectSupergraph();
  const analyzer = new CostAnalyzer(policy, schema);
  const cost = (query: string, variables?: Record<string, unknown>) => analyzer.analyze(parse(query), undefined, variables).estimated;

  it('costs the worked example of the README', () => {
    const query = `{
      products(first: 5) {
        totalCount
        pageInfo { hasNextPage }
        nodes {
          name
          price { amount }
          stock { available warehouses { warehouse { name } } }
        }
      }
    }`;
    // stock = 2 (@cost) + warehouses 3 × (WarehouseStock 1 + warehouse 1) = 8
    // nodes = 5 × (Product 1 + price 1 + stock 8) = 50
    // products = 1 × (ProductConnection 1 + totalCount 0 + pageInfo 1 + nodes 50) = 52
    expect(cost(query)).toBe(52);
    // Without `first`, its schema default (20) sizes nodes: 1 × (1 + 0 + 1 + 20 × 10)
    expect(cost(query.replace('products(first: 5)', 'products'))).toBe(202);
  });

  it('sizes products.nodes by the default of `first` (20) when it is left out', () => {
    expect(cost('{ products { nodes { id } } }')).toBe(21); // 1 × (1 + 20 × 1)
  });

  it('sizes payments.nodes by `first` and Payment.items by its assumedSize', () => {
    // payments 1 × (1 + nodes 2 × (Payment 1 + items 4 × (PaymentItem 1 + product 1)))
    expect(cost('{ payments(first: 2) { nodes { items { quantity product { id } } } } }')).toBe(19);
  });

  it('assumes three warehouses', () => {
    expect(cost('{ warehouses { name } }')).toBe(3); // 3 × Warehouse 1
  });

  it('adds the mutation base to a reservation and its allocations', () => {
    const query = 'mutation { reserveStock(productId: "p1", quantity: 1, reservationId: "r1") { id allocations { quantity warehouse { name } } } }';
    expect(cost(query)).toBe(17); // base 10 + 1 × (Reservation 1 + allocations 3 × (1 + warehouse 1))
  });
});
