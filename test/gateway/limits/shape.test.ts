import { getIntrospectionQuery, parse } from 'graphql';
import { DEFAULT_SHAPE_LIMITS, ShapeErrorCode, ShapeLimitError, checkDocumentShape, type OperationShape, type ShapeLimits } from '../../../gateway/src/limits/shape';

/** The ShapeLimitError the check throws, or undefined when it accepts the document. */
function refusal(query: string, limits: Partial<ShapeLimits> = {}): ShapeLimitError | undefined {
  try {
    checkDocumentShape(parse(query), { ...DEFAULT_SHAPE_LIMITS, ...limits });
    return undefined;
  } catch (error) {
    if (error instanceof ShapeLimitError) return error;
    throw error;
  }
}

function shapeOf(query: string, limits: Partial<ShapeLimits> = {}): OperationShape {
  return [...checkDocumentShape(parse(query), { ...DEFAULT_SHAPE_LIMITS, ...limits }).values()][0];
}

/** `{ book(id: "1") { sequel { sequel { … { id } } } } }`: `depth` levels of fields. */
function nested(depth: number): string {
  return `{ book(id: "1") { ${'sequel { '.repeat(depth - 2)}id${' }'.repeat(depth - 2)} } }`;
}

function aliased(count: number, field = 'ranking'): string {
  return `{ ${Array.from({ length: count }, (_, i) => `a${i}: ${field}`).join(' ')} }`;
}

/** 2^levels field selections from a document of a few hundred bytes: each level selects the next fragment under two fields. */
function fieldBomb(levels: number): string {
  const fragments = Array.from({ length: levels }, (_, i) => `fragment F${i} on Book { sequel { ...F${i + 1} } related { ...F${i + 1} } }`);
  return `{ book(id: "1") { ...F0 } } ${fragments.join(' ')} fragment F${levels} on Book { id }`;
}

describe('operation shape limits (checked on the syntax, before validation)', () => {
  it('are all on by default', () => {
    expect(DEFAULT_SHAPE_LIMITS).toEqual({ maxDepth: 15, maxAliases: 30, maxRootFields: 20, maxSelections: 10_000, maxFieldRepeats: 100 });
  });

  describe('maxDepth', () => {
    it('refuses fields nested deeper than 15 by default with MAX_DEPTH_EXCEEDED', () => {
      expect(refusal(nested(15))).toBeUndefined();
      expect(refusal(nested(16))?.code).toBe('MAX_DEPTH_EXCEEDED');
      expect(refusal(nested(16))?.details).toEqual({ maxDepth: 15 });
    });

    it('counts depth through fragments, expanded where they are spread', () => {
      const query = `
        { book(id: "1") { ...Deeper } }
        fragment Deeper on Book { related { ... on Book { related { id } } } }`;
      expect(shapeOf(query).depth).toBe(4); // book 1, related 2, related 3, id 4
      expect(refusal(query, { maxDepth: 3 })?.code).toBe(ShapeErrorCode.MaxDepthExceeded);
    });

    it("counts introspection's own depth: the standard introspection query (depth 15) passes the default", () => {
      expect(shapeOf(getIntrospectionQuery()).depth).toBe(15);
      expect(refusal(getIntrospectionQuery(), { maxDepth: 14 })?.code).toBe(ShapeErrorCode.MaxDepthExceeded);
    });

    it('refuses a very deep document at the limit, without walking the rest', () => {
      expect(refusal(nested(1000))?.code).toBe(ShapeErrorCode.MaxDepthExceeded);
    });
  });

  describe('maxAliases', () => {
    it('refuses more than 30 aliases by default with MAX_ALIASES_EXCEEDED', () => {
      expect(refusal(aliased(30), { maxRootFields: 100 })).toBeUndefined();
      const error = refusal(aliased(31), { maxRootFields: 100 });
      expect(error?.code).toBe('MAX_ALIASES_EXCEEDED');
      expect(error?.details).toEqual({ maxAliases: 30 });
    });

    it('counts the aliases of a fragment at every place it is spread', () => {
      const query = `
        { a: book(id: "1") { ...Two } b: book(id: "2") { ...Two } }
        fragment Two on Book { x: title y: title }`;
      expect(shapeOf(query).aliases).toBe(6); // a, b, 2 × (x, y)
      expect(refusal(query, { maxAliases: 5 })?.code).toBe(ShapeErrorCode.MaxAliasesExceeded);
    });
  });

  describe('maxRootFields', () => {
    it('refuses more than 20 root fields by default with MAX_ROOT_FIELDS_EXCEEDED', () => {
      expect(refusal(aliased(20))).toBeUndefined();
      const error = refusal(aliased(21), { maxAliases: 100 });
      expect(error?.code).toBe('MAX_ROOT_FIELDS_EXCEEDED');
      expect(error?.details).toEqual({ rootFields: 21, maxRootFields: 20 });
    });

    it('counts root fields spread from fragments', () => {
      expect(refusal('{ ranking ...Roots } fragment Roots on Query { tags shelf { id } }', { maxRootFields: 2 })?.code).toBe(ShapeErrorCode.MaxRootFieldsExceeded);
    });
  });

  describe('maxSelections', () => {
    it('refuses a fragment bomb that multiplies through fields with MAX_SELECTIONS_EXCEEDED, walking no further than the limit', () => {
      const query = fieldBomb(13); // 2^14 selections once spread, 14 levels deep
      expect(query.length).toBeLessThan(1_500);
      const error = refusal(query);
      expect(error?.code).toBe('MAX_SELECTIONS_EXCEEDED');
      expect(error?.details).toEqual({ maxSelections: 10_000 });
      expect(refusal(fieldBomb(5))).toBeUndefined();
    });

    it('spreads a fragment repeated in one selection set once, as execution does, so `...F ...F` at every level stays linear', () => {
      const fragments = Array.from({ length: 30 }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`);
      const query = `query { ...F0 } ${fragments.join(' ')} fragment F30 on Query { payment(id: "x") { id } }`;
      expect(shapeOf(query)).toEqual({ depth: 2, aliases: 0, rootFields: 1, selections: 2 });
    });

    it('counts the selections of every operation of the document, since validation walks them all', () => {
      const shapes = checkDocumentShape(parse('query A { ranking } query B { shelf { id } }'), DEFAULT_SHAPE_LIMITS);
      expect(shapes.get('A')?.selections).toBe(1);
      expect(shapes.get('B')?.selections).toBe(2);
    });
  });

  describe('maxFieldRepeats', () => {
    it('refuses a response key selected more than 100 times in one selection set with MAX_FIELD_REPEATS_EXCEEDED', () => {
      expect(refusal(`{ book(id: "1") { ${'title '.repeat(100)} } }`)).toBeUndefined();
      const error = refusal(`{ book(id: "1") { ${'title '.repeat(101)} } }`);
      expect(error?.code).toBe('MAX_FIELD_REPEATS_EXCEEDED');
      expect(error?.message).toContain('"title"');
    });

    it('counts repeats that fragments bring into the same selection set', () => {
      const fragments = Array.from({ length: 5 }, (_, i) => `fragment F${i} on Query { ranking }`);
      const query = `{ ${Array.from({ length: 5 }, (_, i) => `...F${i}`).join(' ')} } ${fragments.join(' ')}`;
      expect(refusal(query, { maxFieldRepeats: 5 })).toBeUndefined();
      expect(refusal(query, { maxFieldRepeats: 4 })?.code).toBe(ShapeErrorCode.MaxFieldRepeatsExceeded);
    });
  });

  it('skips unknown and cyclic fragments: validation reports them', () => {
    expect(refusal('{ ...Missing ...Loop } fragment Loop on Query { ranking ...Loop }')).toBeUndefined();
  });

  it('reports every refusal as a GraphQLError with extensions.code and the limit', () => {
    expect(refusal(nested(16))?.extensions).toEqual({ code: 'MAX_DEPTH_EXCEEDED', maxDepth: 15 });
  });
});
