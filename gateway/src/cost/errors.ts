import { GraphQLError } from 'graphql';

/**
 * The `extensions.code` of every refusal, one per limit. Clients and
 * dashboards key on these, so they never change; COST_ESTIMATED_TOO_EXPENSIVE
 * is Apollo Router's name for the same refusal.
 */
export const CostErrorCode = {
  /** The estimated cost is above `maxCost`. */
  EstimatedTooExpensive: 'COST_ESTIMATED_TOO_EXPENSIVE',
  /** More field selections than `maxSelections` once fragments are expanded. */
  MaxSelectionsExceeded: 'MAX_SELECTIONS_EXCEEDED',
  /** A field with `@listSize(requireOneSlicingArgument: true)` got none or several of its slicing arguments. */
  SlicingArgumentRequired: 'SLICING_ARGUMENT_REQUIRED',
} as const;

export type CostErrorCode = (typeof CostErrorCode)[keyof typeof CostErrorCode];

/**
 * An operation refused before execution. It is a GraphQLError, so Apollo
 * Server reports it as is with `extensions.code` and the numbers in
 * `details` (e.g. `{ estimatedCost: 6100, maxCost: 5000 }`) next to it. It
 * carries no HTTP status: the adapter that throws it decides that.
 */
export class CostLimitError extends GraphQLError {
  readonly code: CostErrorCode;
  readonly details?: Readonly<Record<string, number>>;

  constructor(code: CostErrorCode, message: string, details?: Record<string, number>) {
    super(message, { extensions: { code, ...details } });
    this.name = 'CostLimitError';
    this.code = code;
    if (details) this.details = details;
  }
}
