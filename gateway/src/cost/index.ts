/**
 * Demand control: the cost of an operation estimated from the supergraph's
 * `@cost` and `@listSize` before execution (IBM's cost spec, as Apollo
 * Router applies it), with a limit on cost (`enforce` mode) or none
 * (`measure`); and the actual cost of a result by the same formula. Everything
 * per operation is computed once and cached. See README.md for the rules.
 */
export { readCostPolicy, type CostPolicy, type ListSize } from './policy';
export { CostAnalyzer, type OperationCost } from './analyzer';
export { actualCost } from './actual';
export { CostErrorCode, CostLimitError } from './errors';
export { DEFAULT_COST_OPTIONS, type CostAnalyzerOptions, type CostMode, type CostOptions } from './options';
export { costVariablesKey, type CostVariables } from './variables';
