import { GraphQLError, Lexer, Source, TokenKind } from 'graphql';
import { CostErrorCode, CostLimitError } from './errors';

/**
 * Counts the lexical tokens of a query text the way graphql-js's
 * `parse(source, { maxTokens })` does (comments and the end of the file do
 * not count), but stops as soon as the count passes `limit`: the result is
 * then `limit + 1`, and the rest of the text is never looked at. Meant to
 * run before parsing, so an oversized document is refused without an AST.
 *
 * A lexical error ends the count where it occurs: reporting the syntax
 * error is the parser's job, and it will do so right after.
 */
export function countTokens(source: string, limit: number): number {
  const lexer = new Lexer(new Source(source));
  let count = 0;
  try {
    while (count <= limit && lexer.advance().kind !== TokenKind.EOF) count++;
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
  }
  return count;
}

/** Throws MAX_TOKENS_EXCEEDED when `source` has more than `maxTokens` tokens. */
export function checkTokens(source: string, maxTokens: number): void {
  if (maxTokens === Infinity) return;
  if (countTokens(source, maxTokens) > maxTokens) {
    throw new CostLimitError(
      CostErrorCode.MaxTokensExceeded,
      `The operation has more than ${maxTokens} tokens, the most this gateway accepts.`,
      { maxTokens },
    );
  }
}
