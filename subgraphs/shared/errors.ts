import { GraphQLError } from 'graphql';
import { ApolloServerErrorCode } from '@apollo/server/errors';

/**
 * A failure the client can act on, answered as a GraphQL error whose
 * `extensions.code` is stable (clients branch on it) and whose other
 * extensions carry the facts behind it (ids, amounts).
 * Each subgraph lists its codes in its own `errors.ts`.
 */
export class DomainError<TCode extends string = string> extends GraphQLError {
  constructor(
    readonly code: TCode,
    message: string,
    details: Record<string, unknown> = {},
  ) {
    super(message, { extensions: { ...details, code } });
    this.name = 'DomainError';
  }
}

/** Apollo Server's own code for invalid arguments; domain validation reuses it. */
export const BAD_USER_INPUT = ApolloServerErrorCode.BAD_USER_INPUT;
export type BadUserInputCode = typeof BAD_USER_INPUT;

/** An argument failed validation; `argument` names it (e.g. `input.price.amount`). */
export function badUserInput(argument: string, message: string): DomainError<BadUserInputCode> {
  return new DomainError(BAD_USER_INPUT, message, { argument });
}
