import { parse } from 'graphql';
import * as estimate from '../../../gateway/src/cost/estimate';
import * as plan from '../../../gateway/src/cost/plan';
import { CostLimitError, costVariablesKey } from '../../../gateway/src/cost';
import { libraryAnalyzer } from './support';

const QUERY = `
  query Shelf($id: ID!, $first: Int, $withAuthor: Boolean!) {
    book(id: $id) { title author @include(if: $withAuthor) { name } }
    books(first: $first) { id }
  }`;

afterEach(() => jest.restoreAllMocks());

describe('caching operation costs', () => {
  it('returns the identical cost for the same document, operation and variables, without walking again', () => {
    const compile = jest.spyOn(plan, 'compileOperation');
    const estimateCost = jest.spyOn(estimate, 'estimateCost');
    const analyzer = libraryAnalyzer();
    const document = parse(QUERY);
    const variables = { id: '1', first: 3, withAuthor: true };
    const first = analyzer.analyze(document, 'Shelf', variables);
    expect(analyzer.analyze(document, 'Shelf', { ...variables })).toBe(first);
    expect(compile).toHaveBeenCalledTimes(1);
    expect(estimateCost).toHaveBeenCalledTimes(1);
  });

  it('shares one cost between requests that differ only in variables that cannot change it', () => {
    const estimateCost = jest.spyOn(estimate, 'estimateCost');
    const analyzer = libraryAnalyzer();
    const document = parse(QUERY);
    const one = analyzer.analyze(document, 'Shelf', { id: '1', first: 3, withAuthor: true });
    const other = analyzer.analyze(document, 'Shelf', { id: '2', first: 3, withAuthor: true, unused: 'x' });
    expect(other).toBe(one);
    expect(estimateCost).toHaveBeenCalledTimes(1);
  });

  it('estimates again, over the compiled plan, when a slicing argument changes', () => {
    const compile = jest.spyOn(plan, 'compileOperation');
    const estimateCost = jest.spyOn(estimate, 'estimateCost');
    const analyzer = libraryAnalyzer();
    const document = parse(QUERY);
    const three = analyzer.analyze(document, 'Shelf', { id: '1', first: 3, withAuthor: false });
    const thirty = analyzer.analyze(document, 'Shelf', { id: '1', first: 30, withAuthor: false });
    expect([three.estimated, thirty.estimated]).toEqual([4, 31]); // book 1 + books 3 × 1; book 1 + books 30 × 1
    expect(compile).toHaveBeenCalledTimes(1);
    expect(estimateCost).toHaveBeenCalledTimes(2);
  });

  it('estimates again when a @skip/@include variable changes', () => {
    const analyzer = libraryAnalyzer();
    const document = parse(QUERY);
    const without = analyzer.analyze(document, 'Shelf', { id: '1', first: 1, withAuthor: false });
    const withAuthor = analyzer.analyze(document, 'Shelf', { id: '1', first: 1, withAuthor: true });
    expect(withAuthor).not.toBe(without);
    expect(withAuthor.estimated - without.estimated).toBe(3); // author 3
  });

  it('keeps one compiled plan per operation of a document', () => {
    const compile = jest.spyOn(plan, 'compileOperation');
    const analyzer = libraryAnalyzer();
    const document = parse('query A { ranking } query B { shelf { id } }');
    for (let i = 0; i < 3; i++) {
      expect(analyzer.analyze(document, 'A', {}).estimated).toBe(5);
      expect(analyzer.analyze(document, 'B', {}).estimated).toBe(4);
    }
    expect(compile).toHaveBeenCalledTimes(2);
  });

  it('keeps the plan per document object: a new parse of the same text is compiled again', () => {
    const compile = jest.spyOn(plan, 'compileOperation');
    const analyzer = libraryAnalyzer();
    const first = analyzer.analyze(parse('{ shelf { id } }'), undefined, {});
    const second = analyzer.analyze(parse('{ shelf { id } }'), undefined, {});
    expect(compile).toHaveBeenCalledTimes(2);
    expect(second).not.toBe(first);
    expect(second.estimated).toBe(first.estimated);
  });

  it('caches refusals too, and throws a fresh error each time', () => {
    const estimateCost = jest.spyOn(estimate, 'estimateCost');
    const analyzer = libraryAnalyzer({ maxCost: 10 });
    const expensive = parse('{ authors { name } }'); // 30
    const thrown: unknown[] = [];
    for (let i = 0; i < 2; i++) {
      try {
        analyzer.analyze(expensive, undefined, {});
      } catch (error) {
        thrown.push(error);
      }
    }
    expect(thrown.map((e) => (e as CostLimitError).code)).toEqual(['COST_ESTIMATED_TOO_EXPENSIVE', 'COST_ESTIMATED_TOO_EXPENSIVE']);
    expect(thrown[1]).not.toBe(thrown[0]);
    expect(estimateCost).toHaveBeenCalledTimes(1);
  });

  it('keeps at most maxOutcomesPerOperation outcomes per operation, forgetting the oldest', () => {
    const estimateCost = jest.spyOn(estimate, 'estimateCost');
    const analyzer = libraryAnalyzer({ maxOutcomesPerOperation: 2 });
    const document = parse('query ($n: Int) { books(first: $n) { id } }');
    for (const n of [1, 2, 3]) analyzer.analyze(document, undefined, { n });
    analyzer.analyze(document, undefined, { n: 3 }); // still cached
    analyzer.analyze(document, undefined, { n: 1 }); // forgotten: estimated again
    expect(estimateCost).toHaveBeenCalledTimes(4);
  });

  describe('the cache key', () => {
    const analyzer = libraryAnalyzer();
    const document = parse(QUERY);
    const keyOf = (variables: Record<string, unknown>) => analyzer.variablesKey(document, 'Shelf', variables);

    it('holds only the variables that change the cost, in a stable order', () => {
      expect(keyOf({ id: '1', first: 3, withAuthor: true })).toBe(keyOf({ withAuthor: true, first: 3, id: '9' }));
      expect(keyOf({ id: '1', first: 3, withAuthor: true })).toBe('[[3],[true]]'); // first, withAuthor
      expect(keyOf({ id: '1', first: 4, withAuthor: true })).not.toBe(keyOf({ id: '1', first: 3, withAuthor: true }));
    });

    it('tells an absent variable from a null one: only absence lets the schema default apply', () => {
      expect(costVariablesKey(['first'], {})).not.toBe(costVariablesKey(['first'], { first: null }));
      const catalog = parse('query ($first: Int) { catalog(first: $first) { nodes { id } } }');
      expect(analyzer.analyze(catalog, undefined, {}).estimated).toBe(8); // 1 + 7 (schema default) × 1
      expect(analyzer.analyze(catalog, undefined, { first: null }).estimated).toBe(11); // 1 + 10 (default list size) × 1
    });
  });
});
