import { Lexer, parse } from 'graphql';
import { CostErrorCode, CostLimitError, checkTokens, countTokens } from '../../../gateway/src/cost';
import { libraryAnalyzer } from './support';

afterEach(() => jest.restoreAllMocks());

describe('counting tokens before parsing', () => {
  it('counts lexical tokens as graphql-js parse does: comments and the end of the text do not count', () => {
    expect(countTokens('{ book(id: "1") { title } }', 100)).toBe(11);
    expect(countTokens('# a comment\n{ a }', 100)).toBe(3);
    expect(countTokens('', 100)).toBe(0);
  });

  it('agrees with parse(source, { maxTokens }) at the boundary', () => {
    const query = 'query Q($n: Int = 3) { books(first: $n) { ...F } } # trailing\nfragment F on Book { title }';
    const tokens = countTokens(query, Infinity);
    expect(() => parse(query, { maxTokens: tokens })).not.toThrow();
    expect(() => parse(query, { maxTokens: tokens - 1 })).toThrow('tokens');
    expect(countTokens(query, tokens - 1)).toBe(tokens); // limit + 1: over
  });

  it('stops at the limit on a 1 MB document, never reading the rest', () => {
    const advance = jest.spyOn(Lexer.prototype, 'advance');
    const huge = `{ ${'title '.repeat(175_000)}}`;
    expect(huge.length).toBeGreaterThan(1_000_000);
    expect(countTokens(huge, 2000)).toBe(2001);
    expect(advance).toHaveBeenCalledTimes(2001);
    const lastToken = advance.mock.results[2000].value as { end: number };
    expect(lastToken.end).toBeLessThan(15_000); // where lexing stopped, of 1 050 000 characters
  });

  it('refuses a document over the limit with MAX_TOKENS_EXCEEDED', () => {
    const query = `{ book(id: "1") { ${'title '.repeat(2000)}} }`;
    let error: unknown;
    try {
      checkTokens(query, 2000);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(CostLimitError);
    expect((error as CostLimitError).code).toBe('MAX_TOKENS_EXCEEDED');
    expect((error as CostLimitError).extensions).toEqual({ code: 'MAX_TOKENS_EXCEEDED', maxTokens: 2000 });
    expect(() => checkTokens('{ ranking }', 2000)).not.toThrow();
  });

  it("uses the analyzer's maxTokens (default 2000, configurable)", () => {
    const fifteenHundred = `{ ${'ranking '.repeat(1498)}}`;
    expect(() => libraryAnalyzer().checkTokens(fifteenHundred)).not.toThrow();
    expect(() => libraryAnalyzer({ maxTokens: 1000 }).checkTokens(fifteenHundred)).toThrow(
      expect.objectContaining({ code: CostErrorCode.MaxTokensExceeded }),
    );
    expect(() => libraryAnalyzer({ maxTokens: Infinity }).checkTokens(fifteenHundred)).not.toThrow();
  });

  it('leaves a lexical error to the parser: counting ends where it occurs', () => {
    expect(countTokens('{ a "unterminated', 100)).toBe(2);
  });
});
