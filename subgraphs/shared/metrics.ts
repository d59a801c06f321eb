import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { RouteHandler } from '../../lib/http/routes';
import type { SubgraphName } from './ports';
import type { SubgraphStore } from './store';

/** A monotonically increasing count per label set. */
class LabelledCounter {
  private readonly values = new Map<string, number>();

  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Record<string, string>, by = 1): void {
    const key = formatLabels(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [labels, value] of this.values) lines.push(`${this.name}${labels} ${value}`);
    return lines.join('\n');
  }
}

function formatLabels(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/**
 * The counters a subgraph exposes on `/metrics` in the Prometheus text
 * format: GraphQL requests by operation type and outcome, errors by code,
 * refused identities, events published and given up on by channel, and the
 * store's round trips (read from the store's own stats at scrape time).
 */
export class SubgraphMetrics {
  private readonly requests = new LabelledCounter('graphql_requests_total', 'GraphQL requests answered, by operation type and outcome.');
  private readonly errors = new LabelledCounter('graphql_errors_total', 'GraphQL errors in answers, by extensions.code.');
  private readonly refused = new LabelledCounter(
    'gateway_identity_refused_total',
    'Requests answered 401 for lack of a valid gateway identity, by reason (missing, malformed, bad-signature, expired).',
  );
  private readonly eventsPublished = new LabelledCounter('events_published_total', 'Domain events published on the event bus, by channel.');
  private readonly eventsPublishFailed = new LabelledCounter(
    'events_publish_failed_total',
    'Domain events given up on after retries, by channel: the change was made, its event is lost (see the warn log for the event id).',
  );

  constructor(
    private readonly subgraph: SubgraphName,
    private readonly store: SubgraphStore,
  ) {}

  recordRequest(operationType: string, outcome: 'success' | 'error', errorCodes: string[]): void {
    this.requests.inc({ subgraph: this.subgraph, operation_type: operationType, outcome });
    for (const code of errorCodes) this.errors.inc({ subgraph: this.subgraph, code });
  }

  /** A request refused before execution (see gateway-auth): bad-signature usually means the secrets differ. */
  recordRefusedIdentity(reason: string): void {
    this.refused.inc({ subgraph: this.subgraph, reason });
  }

  recordEventPublished(channel: string): void {
    this.eventsPublished.inc({ subgraph: this.subgraph, channel });
  }

  recordEventPublishFailed(channel: string): void {
    this.eventsPublishFailed.inc({ subgraph: this.subgraph, channel });
  }

  render(): string {
    const roundTrips = [
      '# HELP store_round_trips_total Trips to the data store: one per call of the in-process store, one per network round trip to Redis.',
      '# TYPE store_round_trips_total counter',
      `store_round_trips_total${formatLabels({ subgraph: this.subgraph, store: this.store.kind })} ${this.store.stats.roundTrips}`,
    ].join('\n');
    return `${[roundTrips, this.requests.render(), this.errors.render(), this.refused.render(), this.eventsPublished.render(), this.eventsPublishFailed.render()].join('\n')}\n`;
  }

  /** `/metrics` */
  route(): RouteHandler {
    return (_req, res) => {
      const body = this.render();
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
  }
}

/** Counts every answered GraphQL request and the codes of its errors. */
export function useRequestMetrics<TContext extends BaseContext>(metrics: SubgraphMetrics): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ operation, response }) {
          const errors = response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
          const codes = errors.map((e) => String(e.extensions?.code ?? 'UNKNOWN'));
          metrics.recordRequest(operation?.operation ?? 'unknown', codes.length === 0 ? 'success' : 'error', codes);
        },
      };
    },
  };
}
