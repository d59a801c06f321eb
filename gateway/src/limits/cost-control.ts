import { HeaderMap, type ApolloServerPlugin, type GraphQLRequestContext } from '@apollo/server';
import { GraphQLError, type DocumentNode, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import type { Caller } from '../auth/caller';
import { CostAnalyzer, CostErrorCode, CostLimitError, readCostPolicy, type CostOptions, type OperationCost } from '../cost';
import { NEVER, clientKey, pickTier, type Decision, type RateLimiter, type Tier, type TierRules } from '../ratelimit';

export const RATE_LIMITED = 'RATE_LIMITED';

/** What the plugin reads of the request context. */
export interface LimitedContext {
  caller: Caller;
  clientIp: string;
  apiKey?: string;
}

export interface CostControlOptions {
  supergraphSdl: string;
  cost: Partial<CostOptions>;
  /** Absent: cost analysis and operation limits only. */
  limiter?: RateLimiter;
  tiers: TierRules;
}

/** One request's estimate and debit, kept until its response is written. */
interface Charge {
  cost: OperationCost;
  tier?: Tier;
  key?: string;
  decision?: Decision;
}

/**
 * Cost analysis, operation limits and cost-based rate limiting, before any
 * subgraph is called. The operation's estimated cost (cached per document and
 * relevant variables) is checked against the limits and debited from the
 * caller's bucket; after execution the actual cost (from the list sizes
 * really returned) is computed and the difference refunded. Every response
 * carries `extensions.cost` and the RateLimit-* headers.
 */
export class CostControl {
  private analyzer?: CostAnalyzer;
  private apiSchema?: GraphQLSchema;
  private readonly tiers = new WeakMap<Caller, Tier>();

  constructor(private readonly options: CostControlOptions) {}

  /** Called when the gateway (re)loads its schema. */
  load(apiSchema: GraphQLSchema): void {
    this.apiSchema = apiSchema;
    this.analyzer = new CostAnalyzer(readCostPolicy(this.options.supergraphSdl, apiSchema), apiSchema, this.options.cost);
  }

  /** The estimate of an operation, or a CostLimitError naming the limit it exceeds. */
  analyze(document: DocumentNode, operationName: string | undefined, variables: Record<string, unknown> | undefined): OperationCost {
    if (!this.analyzer) throw new Error('cost analysis used before the schema loaded');
    return this.analyzer.analyze(document, operationName, variables);
  }

  tierOf(caller: Caller): Tier {
    let tier = this.tiers.get(caller);
    if (!tier) this.tiers.set(caller, (tier = pickTier(caller, this.options.tiers)));
    return tier;
  }

  keyOf(context: LimitedContext): string {
    return clientKey({ subject: context.caller.subject ?? undefined, apiKey: context.apiKey, ip: context.clientIp });
  }

  get limiter(): RateLimiter | undefined {
    return this.options.limiter;
  }

  plugin<TContext extends LimitedContext>(): ApolloServerPlugin<TContext> {
    const charges = new WeakMap<GraphQLRequestContext<TContext>['request'], Charge>();
    const control = this;
    return {
      async serverWillStart() {
        return {
          schemaDidLoadOrUpdate({ apiSchema }) {
            control.load(apiSchema);
          },
        };
      },
      async requestDidStart() {
        return {
          async didResolveOperation(context) {
            // Runs after authorization swapped in the document it will execute: that is what is charged.
            let cost: OperationCost;
            try {
              cost = control.analyze(context.document, context.operationName ?? undefined, context.request.variables);
            } catch (error) {
              if (error instanceof CostLimitError) throw limitError(error);
              throw error;
            }
            const charge: Charge = { cost };
            charges.set(context.request, charge);
            const limiter = control.options.limiter;
            if (!limiter || cost.estimated === 0) return;
            charge.tier = control.tierOf(context.contextValue.caller);
            charge.key = control.keyOf(context.contextValue);
            charge.decision = await limiter.debit(charge.key, charge.tier, cost.estimated);
            if (!charge.decision.allowed) throw rateLimited(charge.decision, cost.estimated);
          },
          async willSendResponse(context) {
            const charge = charges.get(context.request);
            if (!charge) return;
            const body = context.response.body;
            const data = body.kind === 'single' ? body.singleResult.data : undefined;
            const actual = charge.decision?.allowed === false ? 0 : control.analyzer!.actualCost(charge.cost, data);
            const refund = charge.decision?.allowed ? Math.max(0, charge.cost.estimated - actual) : 0;
            if (refund > 0) void control.options.limiter!.refund(charge.key!, charge.tier!, refund);
            const decision = charge.decision;
            if (decision) setRateLimitHeaders(context.response.http.headers, decision, refund);
            if (body.kind === 'single') {
              body.singleResult.extensions = {
                ...body.singleResult.extensions,
                cost: {
                  requestedQueryCost: charge.cost.estimated,
                  actualQueryCost: actual,
                  ...(decision && {
                    throttleStatus: {
                      maximumAvailable: decision.capacity,
                      currentlyAvailable: Math.min(decision.capacity, Math.floor(decision.remaining + refund)),
                      restoreRate: decision.refillPerSecond,
                    },
                  }),
                },
              };
            }
          },
        };
      },
    };
  }
}

/** RFC-draft RateLimit headers: points, points left, seconds until full. */
export function setRateLimitHeaders(headers: HeaderMap | Map<string, string>, decision: Decision, refund = 0): void {
  headers.set('ratelimit-limit', String(decision.capacity));
  headers.set('ratelimit-remaining', String(Math.min(decision.capacity, Math.floor(decision.remaining + refund))));
  headers.set('ratelimit-reset', String(Math.ceil(decision.resetMs / 1000)));
}

export function limitError(error: CostLimitError): GraphQLError {
  return new GraphQLError(error.message, { extensions: { code: error.code, ...error.details, http: { status: 400 } } });
}

export function rateLimited(decision: Decision, cost: number): GraphQLError {
  const headers = new HeaderMap();
  setRateLimitHeaders(headers, decision);
  const never = decision.retryAfterMs === NEVER;
  if (!never) headers.set('retry-after', String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000))));
  return new GraphQLError(
    never
      ? `This operation costs ${cost} points, more than this client's budget of ${decision.capacity}`
      : `Rate limit exceeded: this operation costs ${cost} points and ${decision.remaining} are available; retry in ${Math.ceil(decision.retryAfterMs / 1000)} s`,
    { extensions: { code: RATE_LIMITED, http: { status: 429, headers } } },
  );
}

/**
 * graphql-js enforces `parseOptions.maxTokens` while lexing (only for query
 * texts Apollo Server has not parsed before) and reports it as a syntax
 * error; clients get the limit's own code. (A plugin cannot refuse earlier:
 * Apollo Server turns an error thrown in `parsingDidStart` into a 500.)
 */
export function codeTokenLimit(formatted: GraphQLFormattedError): GraphQLFormattedError {
  if (!TOKEN_LIMIT_MESSAGE.test(formatted.message)) return formatted;
  return { ...formatted, extensions: { ...formatted.extensions, code: CostErrorCode.MaxTokensExceeded } };
}
const TOKEN_LIMIT_MESSAGE = /^Syntax Error: Document contains more th[ae][nt] \d+ tokens/;
