import { parse } from 'graphql';
import { actualCost } from '../../../gateway/src/cost';
import { libraryAnalyzer } from './support';

/** Analyzes `query` and costs `data` as its result; both numbers, for comparing. */
function costs(query: string, data: Record<string, unknown> | null | undefined, variables?: Record<string, unknown>) {
  const analyzer = libraryAnalyzer();
  const cost = analyzer.analyze(parse(query), undefined, variables);
  return { estimated: cost.estimated, actual: analyzer.actualCost(cost, data) };
}

describe('actual cost of a result', () => {
  it('counts the list items really returned: fewer than estimated cost less', () => {
    const result = costs('{ books(first: 5) { title reviews { stars } } }', {
      books: [
        { title: 'Dune', reviews: [{ stars: 5 }] },
        { title: 'Emma', reviews: [] },
      ],
    });
    expect(result.estimated).toBe(30); // 5 × (Book 1 + reviews 5 × 1)
    expect(result.actual).toBe(3); // Dune (1 + one review 1) + Emma (1 + no review)
  });

  it('costs an empty list nothing', () => {
    expect(costs('{ books { id author { name } } }', { books: [] }).actual).toBe(0);
  });

  it('costs a null object nothing, nor what it would have held', () => {
    expect(costs('{ book(id: "1") { author { name } reviews { stars } } }', { book: null }).actual).toBe(0);
  });

  it('costs a null in a list nothing', () => {
    expect(costs('{ shelf { title } }', { shelf: [{ title: 'Dune' }, null] }).actual).toBe(1); // one Book
  });

  it('costs a weighted leaf when it has a value, not when it is null', () => {
    expect(costs('{ ranking }', { ranking: 3 }).actual).toBe(5);
    expect(costs('{ ranking }', { ranking: null }).actual).toBe(0);
  });

  it('gives no cost to a result without data', () => {
    expect(costs('{ book(id: "1") { title } }', null).actual).toBe(0);
    expect(costs('{ book(id: "1") { title } }', undefined).actual).toBe(0);
  });

  it('equals the estimate when the result has the estimated sizes', () => {
    const result = costs('{ catalog(first: 2) { totalCount nodes { author { name } } } }', {
      catalog: { totalCount: 9, nodes: [{ author: { name: 'A' } }, { author: { name: 'B' } }] },
    });
    expect(result.actual).toBe(result.estimated); // 1 + 2 × (1 + 3) = 9
    expect(result.actual).toBe(9);
  });

  it('counts every level of a list of lists', () => {
    const result = costs('{ grid { value } }', { grid: [[{ value: 1 }, { value: 2 }], [{ value: 3 }]] });
    expect(result).toEqual({ estimated: 9, actual: 3 });
  });

  it('counts, for an object that says its __typename, only the fragments of its type', () => {
    const query = `{ search(term: "x") {
      __typename
      ... on Book { author { name } }
      ... on Video { clips { seconds } }
    } }`;
    const result = costs(query, {
      search: [
        { __typename: 'Book', author: { name: 'A' } },
        { __typename: 'Video', clips: [{ seconds: 1 }] },
      ],
    });
    expect(result.estimated).toBe(17); // 2 × (1 + max(3, 6)) + term 3
    expect(result.actual).toBe(9); // term 3 + Book (1 + author 3) + Video (1 + one clip 1)
  });

  it('takes the most expensive type for an object without __typename, so a key two fragments share counts once', () => {
    const query = '{ search(term: "x") { ... on Book { related { id } } ... on Video { related { id } } } }';
    const result = costs(query, { search: [{ related: [{ id: 'v1' }] }] });
    expect(result.actual).toBe(5); // term 3 + item (1 + max(Book: related 1, Video: related 1))
  });

  it('adds the arguments and the mutation base of what ran', () => {
    expect(costs('mutation { addBook(title: "Dune", isbn: "978") { id } }', { addBook: { id: 'b1' } }).actual).toBe(13); // 10 + 1 + Isbn 2
    const search = costs('query ($f: SearchFilter) { search(term: "x", filter: $f) { __typename } }', { search: [] }, { f: { exact: true } });
    expect(search.actual).toBe(5); // term 3 + exact 2, no results
  });

  it('ignores what @skip left out and introspection', () => {
    const result = costs(
      'query ($lean: Boolean!) { __typename book(id: "1") { author @skip(if: $lean) { name } } }',
      { __typename: 'Query', book: {} },
      { lean: true },
    );
    expect(result).toEqual({ estimated: 1, actual: 1 });
  });

  it('is also a plain function of the plan', () => {
    const analyzer = libraryAnalyzer();
    const cost = analyzer.analyze(parse('{ shelf { id } }'), undefined, undefined);
    expect(actualCost(cost.plan, { shelf: [{ id: '1' }, { id: '2' }] })).toBe(2);
  });

  it('walks the data once: every key of a 10000-item result is read exactly once', () => {
    let reads = 0;
    const counted = <T extends object>(target: T): T => new Proxy(target, { get: (t, key) => (reads++, Reflect.get(t, key)) });
    const shelf = Array.from({ length: 10_000 }, (_, i) => counted({ id: String(i), author: counted({ name: 'A' }) }));
    expect(costs('{ shelf { id author { name } } }', counted({ shelf })).actual).toBe(40_000); // 10000 × (1 + 3)
    expect(reads).toBe(1 + 10_000 * 3); // shelf; then id, author and author.name of each item
  });
});
