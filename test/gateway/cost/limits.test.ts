import { GraphQLError, parse } from 'graphql';
import { CostAnalyzer, CostErrorCode, CostLimitError, DEFAULT_COST_OPTIONS } from '../../../gateway/src/cost';
import { libraryAnalyzer, libraryPolicy, librarySchema } from './support';

/** The CostLimitError analyze throws, or undefined when it accepts the operation. */
function refusal(analyzer: CostAnalyzer, query: string, variables?: Record<string, unknown>): CostLimitError | undefined {
  try {
    analyzer.analyze(parse(query), undefined, variables);
    return undefined;
  } catch (error) {
    if (error instanceof CostLimitError) return error;
    throw error;
  }
}

describe('operation limits', () => {
  it('enforce a cost limit of 1000 by default, and count a list without @listSize or slicing argument as one item', () => {
    expect(DEFAULT_COST_OPTIONS).toEqual({ mode: 'enforce', mutationBaseCost: 10, defaultListSize: 1, maxCost: 1000 });
    const analyzer = new CostAnalyzer(libraryPolicy, librarySchema);
    expect(analyzer.options).toMatchObject(DEFAULT_COST_OPTIONS);
    // authors (unannotated) 1 × (Author 3 + books 2 × (Book 1 + author 3)) = 11: nested unannotated lists do not multiply
    expect(analyzer.analyze(parse('{ authors { books { author { name } } } }'), undefined, {}).estimated).toBe(11);
  });

  it('refuses nothing for its cost in measure mode, and still reports the estimate', () => {
    const analyzer = libraryAnalyzer({ mode: 'measure', maxCost: 10 });
    expect(refusal(analyzer, '{ books(first: 1300) { author { name } } }')).toBeUndefined();
    expect(analyzer.analyze(parse('{ books(first: 1300) { author { name } } }'), undefined, {}).estimated).toBe(5200);
    expect(refusal(analyzer, '{ page { id } }')).toBeUndefined(); // requireOneSlicingArgument is not enforced either
  });

  describe('maxCost', () => {
    it('refuses an operation whose estimated cost exceeds the limit with COST_ESTIMATED_TOO_EXPENSIVE', () => {
      const analyzer = libraryAnalyzer({ maxCost: 5000 });
      expect(refusal(analyzer, '{ books(first: 1250) { author { name } } }')).toBeUndefined(); // 1250 × 4 = 5000
      const error = refusal(analyzer, '{ books(first: 1300) { author { name } } }'); // 1300 × 4 = 5200
      expect(error?.code).toBe('COST_ESTIMATED_TOO_EXPENSIVE');
      expect(error?.message).toContain('5200');
      expect(error?.message).toContain('5000');
      expect(error?.details).toEqual({ estimatedCost: 5200, maxCost: 5000 });
    });

    it('is configurable', () => {
      const analyzer = libraryAnalyzer({ maxCost: 100 });
      expect(refusal(analyzer, '{ books { author { name } } }')).toBeUndefined(); // 40
      // authors 10 × (Author 3 + books 2 × (Book 1 + author 3)) = 110
      expect(refusal(analyzer, '{ authors { books { author { name } } } }')?.code).toBe(CostErrorCode.EstimatedTooExpensive);
    });

    it('judges each set of variables by its own estimate', () => {
      const analyzer = libraryAnalyzer({ maxCost: 50 });
      const query = 'query ($n: Int) { books(first: $n) { id } }';
      expect(refusal(analyzer, query, { n: 50 })).toBeUndefined();
      expect(refusal(analyzer, query, { n: 51 })?.code).toBe(CostErrorCode.EstimatedTooExpensive);
    });
  });

  describe('requireOneSlicingArgument', () => {
    const analyzer = libraryAnalyzer();

    it('accepts exactly one slicing argument, literal or variable', () => {
      expect(analyzer.analyze(parse('{ page(first: 2) { id } }'), undefined, {}).estimated).toBe(2);
      expect(analyzer.analyze(parse('query ($n: Int) { page(last: $n) { id } }'), undefined, { n: 3 }).estimated).toBe(3);
    });

    it('refuses none with SLICING_ARGUMENT_REQUIRED, naming the field and its arguments', () => {
      const error = refusal(analyzer, '{ page { id } }');
      expect(error?.code).toBe('SLICING_ARGUMENT_REQUIRED');
      expect(error?.message).toContain('Query.page');
      expect(error?.message).toContain('first, last');
    });

    it('refuses several', () => {
      expect(refusal(analyzer, '{ page(first: 1, last: 1) { id } }')?.code).toBe(CostErrorCode.SlicingArgumentRequired);
    });

    it('refuses a slicing variable the request leaves out or sets to null', () => {
      const query = 'query ($n: Int) { page(first: $n) { id } }';
      expect(refusal(analyzer, query, {})?.code).toBe(CostErrorCode.SlicingArgumentRequired);
      expect(refusal(analyzer, query, { n: null })?.code).toBe(CostErrorCode.SlicingArgumentRequired);
    });

    it('does not apply to a field left out by @skip', () => {
      expect(refusal(analyzer, '{ page @skip(if: true) { id } ranking }')).toBeUndefined();
    });
  });

  it('refuses an operation whose fragments expand past maxSelections with MAX_SELECTIONS_EXCEEDED', () => {
    // Each level spreads the next under @include and @skip of its own variable: execution takes one of
    // the two, but which one is not known before the variables are, so the plan would hold 2^12 copies.
    const count = 12;
    const levels = Array.from(
      { length: count },
      (_, i) => `fragment F${i} on Book { ...F${i + 1} @include(if: $v${i}) ...F${i + 1} @skip(if: $v${i}) }`,
    );
    const variables = Array.from({ length: count }, (_, i) => `$v${i}: Boolean!`).join(', ');
    const query = `query (${variables}) { book(id: "1") { ...F0 } } ${levels.join('\n')} fragment F${count} on Book { id }`;
    expect(refusal(libraryAnalyzer({ maxSelections: 1000 }), query)?.code).toBe(CostErrorCode.MaxSelectionsExceeded);
    expect(refusal(libraryAnalyzer({ maxSelections: 5000 }), query)).toBeUndefined();
  });

  it('expands a fragment spread again under the same or more conditions only once, as execution does', () => {
    // Without that, this document would expand to 2^20 fields.
    const levels = Array.from(
      { length: 20 },
      (_, i) => `fragment F${i} on Book { ...F${i + 1} @include(if: $a) ...F${i + 1} @include(if: $a) ...F${i + 1} }`,
    );
    const query = `query ($a: Boolean!) { book(id: "1") { ...F0 } } ${levels.join('\n')} fragment F20 on Book { author { name } }`;
    expect(libraryAnalyzer().analyze(parse(query), undefined, { a: true }).estimated).toBe(4); // book 1 + author 3
  });

  it('checks nothing when a limit is Infinity', () => {
    const analyzer = libraryAnalyzer({ maxCost: Infinity });
    expect(refusal(analyzer, '{ books(first: 100000) { author { name } } }')).toBeUndefined();
  });

  it('refuses options that are not numbers >= 0', () => {
    expect(() => libraryAnalyzer({ maxCost: -1 })).toThrow(TypeError);
    expect(() => libraryAnalyzer({ defaultListSize: Number.NaN })).toThrow(TypeError);
    expect(() => libraryAnalyzer({ mode: 'strict' as never })).toThrow(TypeError);
  });

  it('ignores keys that are not cost options, so a wider limits configuration can be passed as is', () => {
    const options = { maxCost: 3, maxBodyBytes: 1_000_000 };
    expect(libraryAnalyzer(options).options.maxCost).toBe(3);
  });

  it('reports every refusal as a GraphQLError with extensions.code and the numbers', () => {
    const error = refusal(libraryAnalyzer({ maxCost: 1 }), '{ shelf { id } }');
    expect(error).toBeInstanceOf(GraphQLError);
    expect(error?.extensions).toEqual({ code: 'COST_ESTIMATED_TOO_EXPENSIVE', estimatedCost: 4, maxCost: 1 });
  });

  it('answers zero for a document that does not say which operation to run: execution reports that', () => {
    const analyzer = libraryAnalyzer();
    const document = parse('query A { ranking } query B { shelf { id } }');
    expect(analyzer.analyze(document, undefined, {}).estimated).toBe(0);
    expect(analyzer.analyze(document, 'C', {}).estimated).toBe(0);
    expect(analyzer.analyze(document, 'B', {}).estimated).toBe(4);
  });
});
