import { GraphQLError, getIntrospectionQuery, parse } from 'graphql';
import { CostErrorCode, CostLimitError, DEFAULT_COST_OPTIONS } from '../../../gateway/src/cost';
import type { CostAnalyzer } from '../../../gateway/src/cost';
import { libraryAnalyzer } from './support';

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

/** `{ book(id: "1") { sequel { sequel { … { id } } } } }`: `depth` levels of fields, costing one per object. */
function nested(depth: number): string {
  return `{ book(id: "1") { ${'sequel { '.repeat(depth - 2)}id${' }'.repeat(depth - 2)} } }`;
}

function aliased(count: number, field = 'ranking'): string {
  return `{ ${Array.from({ length: count }, (_, i) => `a${i}: ${field}`).join(' ')} }`;
}

describe('operation limits', () => {
  it('are all on by default', () => {
    expect(DEFAULT_COST_OPTIONS).toEqual({
      mutationBaseCost: 10,
      defaultListSize: 10,
      maxCost: 5000,
      maxDepth: 15,
      maxAliases: 30,
      maxRootFields: 20,
      maxTokens: 2000,
    });
    expect(libraryAnalyzer().options).toMatchObject(DEFAULT_COST_OPTIONS);
  });

  describe('maxCost', () => {
    it('refuses an operation whose estimated cost exceeds 5000 by default with COST_ESTIMATED_TOO_EXPENSIVE', () => {
      const analyzer = libraryAnalyzer();
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

  describe('maxDepth', () => {
    it('refuses fields nested deeper than 15 by default with MAX_DEPTH_EXCEEDED', () => {
      const analyzer = libraryAnalyzer();
      expect(refusal(analyzer, nested(15))).toBeUndefined();
      expect(refusal(analyzer, nested(16))?.code).toBe('MAX_DEPTH_EXCEEDED');
    });

    it('counts depth through fragments, expanded where they are spread', () => {
      const analyzer = libraryAnalyzer({ maxDepth: 4 });
      const query = `
        { book(id: "1") { ...Deeper } }
        fragment Deeper on Book { related { ... on Book { related { id } } } }`;
      // book 1, related 2, related 3, id 4
      expect(refusal(analyzer, query)).toBeUndefined();
      expect(libraryAnalyzer({ maxDepth: 3 }).analyze(parse('{ ranking }'), undefined, {}).depth).toBe(1);
      expect(refusal(libraryAnalyzer({ maxDepth: 3 }), query)?.code).toBe(CostErrorCode.MaxDepthExceeded);
    });

    it("counts introspection's own depth, and the standard introspection query (depth 15) passes the default", () => {
      const analyzer = libraryAnalyzer();
      expect(analyzer.analyze(parse(getIntrospectionQuery()), undefined, {}).depth).toBe(15);
      expect(refusal(libraryAnalyzer({ maxDepth: 14 }), getIntrospectionQuery())?.code).toBe(CostErrorCode.MaxDepthExceeded);
    });

    it('refuses a very deep document while compiling it', () => {
      expect(refusal(libraryAnalyzer(), nested(1000))?.code).toBe(CostErrorCode.MaxDepthExceeded);
    });
  });

  describe('maxAliases', () => {
    it('refuses more than 30 aliases by default with MAX_ALIASES_EXCEEDED', () => {
      const analyzer = libraryAnalyzer({ maxRootFields: 100 });
      expect(refusal(analyzer, aliased(30))).toBeUndefined();
      const error = refusal(analyzer, aliased(31));
      expect(error?.code).toBe('MAX_ALIASES_EXCEEDED');
      expect(error?.details).toEqual({ aliases: 31, maxAliases: 30 });
    });

    it('counts the aliases of a fragment at every place it is spread', () => {
      const analyzer = libraryAnalyzer({ maxAliases: 3 });
      const query = `
        { a: book(id: "1") { ...Two } b: book(id: "2") { ...Two } }
        fragment Two on Book { x: title y: title }`;
      expect(refusal(analyzer, query)?.details).toEqual({ aliases: 6, maxAliases: 3 }); // a, b, 2 × (x, y)
    });
  });

  describe('maxRootFields', () => {
    it('refuses more than 20 root fields by default with MAX_ROOT_FIELDS_EXCEEDED', () => {
      const analyzer = libraryAnalyzer();
      expect(refusal(analyzer, aliased(20))).toBeUndefined();
      const error = refusal(analyzer, aliased(21));
      expect(error?.code).toBe('MAX_ROOT_FIELDS_EXCEEDED');
      expect(error?.details).toEqual({ rootFields: 21, maxRootFields: 20 });
    });

    it('is configurable and counts root fields spread from fragments', () => {
      const analyzer = libraryAnalyzer({ maxRootFields: 2 });
      expect(refusal(analyzer, '{ ranking ...Roots } fragment Roots on Query { tags shelf { id } }')?.code).toBe(
        CostErrorCode.MaxRootFieldsExceeded,
      );
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
    const analyzer = libraryAnalyzer({ maxCost: Infinity, maxAliases: Infinity, maxRootFields: Infinity, maxDepth: Infinity });
    expect(refusal(analyzer, '{ books(first: 100000) { author { name } } }')).toBeUndefined();
    expect(refusal(analyzer, aliased(100))).toBeUndefined();
    expect(refusal(analyzer, nested(40))).toBeUndefined();
  });

  it('refuses options that are not numbers >= 0', () => {
    expect(() => libraryAnalyzer({ maxCost: -1 })).toThrow(TypeError);
    expect(() => libraryAnalyzer({ maxDepth: Number.NaN })).toThrow(TypeError);
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
