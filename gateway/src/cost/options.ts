/**
 * Demand control's modes, as Apollo Router names them: `enforce` refuses
 * operations over the limits; `measure` computes and reports every cost
 * (`extensions.cost`, metrics) and refuses nothing for it, so a team can see
 * what its operations cost before turning enforcement on.
 */
export type CostMode = 'enforce' | 'measure';

/** The assumptions and limits of cost analysis. */
export interface CostOptions {
  mode: CostMode;
  /** Added once per mutation root field, on top of what it selects: writes cost more than reads. Default 10. */
  mutationBaseCost: number;
  /**
   * Assumed length of a list with neither a slicing argument nor `assumedSize`.
   * Default 1: without `@listSize` the gateway cannot know a length before
   * running the operation, so such a list does not multiply the estimate, and
   * the caller is charged the real length afterwards (the actual cost is
   * settled against the bucket). A schema that annotates its lists gets exact
   * estimates; raising this makes unannotated lists count up front.
   */
  defaultListSize: number;
  /** Highest estimated cost accepted (COST_ESTIMATED_TOO_EXPENSIVE above), in `enforce` mode. Default 1000. */
  maxCost: number;
}

export const DEFAULT_COST_OPTIONS: Readonly<CostOptions> = Object.freeze({
  mode: 'enforce',
  mutationBaseCost: 10,
  defaultListSize: 1,
  maxCost: 1000,
});

/** What the CostAnalyzer takes beyond the cost options: safety nets of its own. */
export interface CostAnalyzerOptions extends Partial<CostOptions> {
  /**
   * Outcomes (one per distinct values of the variables that change the cost)
   * kept per document and operation; the oldest is forgotten first. Compiled
   * operations and their outcomes live as long as their DocumentNode, which
   * the pipeline's document cache bounds by bytes. Default 32.
   */
  maxOutcomesPerOperation?: number;
  /**
   * Most field selections an operation may expand to. The pipeline refuses
   * larger documents before cost analysis (limits.maxSelections); this guards
   * the compiler when it is used on its own (MAX_SELECTIONS_EXCEEDED). Default 100 000.
   */
  maxSelections?: number;
}

export interface ResolvedCostOptions extends CostOptions {
  maxOutcomesPerOperation: number;
  maxSelections: number;
}

const NUMERIC = ['mutationBaseCost', 'defaultListSize', 'maxCost', 'maxOutcomesPerOperation', 'maxSelections'] as const;

/**
 * Fills in defaults and refuses values that would make a limit meaningless
 * (negative, NaN). Other keys are ignored, so a wider limits section of the
 * gateway's configuration can be passed as it is.
 */
export function resolveCostOptions(options: CostAnalyzerOptions = {}): ResolvedCostOptions {
  const resolved: ResolvedCostOptions = { ...DEFAULT_COST_OPTIONS, maxOutcomesPerOperation: 32, maxSelections: 100_000 };
  for (const name of NUMERIC) {
    const value = options[name];
    if (value === undefined) continue;
    if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
      throw new TypeError(`Cost option "${name}" must be a number >= 0 (Infinity turns a limit off), got ${String(value)}`);
    }
    resolved[name] = value;
  }
  if (options.mode !== undefined) {
    if (options.mode !== 'enforce' && options.mode !== 'measure') throw new TypeError(`Cost option "mode" must be "enforce" or "measure", got ${String(options.mode)}`);
    resolved.mode = options.mode;
  }
  resolved.maxOutcomesPerOperation = Math.max(1, resolved.maxOutcomesPerOperation);
  return resolved;
}
