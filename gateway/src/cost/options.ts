/** The limits and assumptions of cost analysis. Every limit is on by default; `Infinity` turns one off. */
export interface CostOptions {
  /** Added once per mutation root field, on top of what it selects: writes cost more than reads. Default 10. */
  mutationBaseCost: number;
  /** Assumed length of a list with neither a slicing argument nor `assumedSize`. Default 10. */
  defaultListSize: number;
  /** Highest estimated cost accepted (COST_ESTIMATED_TOO_EXPENSIVE above). Default 5000. */
  maxCost: number;
  /** Deepest field nesting accepted, root fields being depth 1 (MAX_DEPTH_EXCEEDED above). Default 15. */
  maxDepth: number;
  /** Most aliased fields accepted (MAX_ALIASES_EXCEEDED above). Default 30. */
  maxAliases: number;
  /** Most root fields accepted (MAX_ROOT_FIELDS_EXCEEDED above). Default 20. */
  maxRootFields: number;
  /** Most lexical tokens in the query text (MAX_TOKENS_EXCEEDED above); checked before parsing. Default 2000. */
  maxTokens: number;
}

export const DEFAULT_COST_OPTIONS: Readonly<CostOptions> = Object.freeze({
  mutationBaseCost: 10,
  defaultListSize: 10,
  maxCost: 5000,
  maxDepth: 15,
  maxAliases: 30,
  maxRootFields: 20,
  maxTokens: 2000,
});

/** What the CostAnalyzer takes beyond the cost options: the sizes of its caches and a safety net. */
export interface CostAnalyzerOptions extends Partial<CostOptions> {
  /**
   * Most outcomes (one per operation and distinct values of the variables
   * that change its cost) kept at once; the oldest is forgotten first.
   * Compiled operations live as long as their DocumentNode. Default 1000.
   */
  maxCachedOutcomes?: number;
  /**
   * Most field selections an operation may expand to (fragments spread in
   * place). Guards the analysis itself against fragment bombs, which a small
   * document can hide (MAX_SELECTIONS_EXCEEDED above). Default 100000.
   */
  maxSelections?: number;
}

export interface ResolvedCostOptions extends CostOptions {
  maxCachedOutcomes: number;
  maxSelections: number;
}

/**
 * Fills in defaults and refuses values that would make a limit meaningless
 * (negative, NaN). Other keys are ignored, so a wider limits section of the
 * gateway's configuration can be passed as it is.
 */
export function resolveCostOptions(options: CostAnalyzerOptions = {}): ResolvedCostOptions {
  const resolved: ResolvedCostOptions = {
    ...DEFAULT_COST_OPTIONS,
    maxCachedOutcomes: 1000,
    maxSelections: 100_000,
  };
  for (const name of Object.keys(resolved) as Array<keyof ResolvedCostOptions>) {
    const value = options[name];
    if (value === undefined) continue;
    if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
      throw new TypeError(`Cost option "${name}" must be a number >= 0 (Infinity turns a limit off), got ${String(value)}`);
    }
    resolved[name] = value;
  }
  resolved.maxCachedOutcomes = Math.max(1, resolved.maxCachedOutcomes);
  return resolved;
}
