import uPlot from 'uplot';
import { h } from './dom';

/** /dashboard/metrics.json (gateway/src/dashboard/snapshot.ts), cumulative counters. */
interface Snapshot {
  at: number;
  pid: number;
  http: { requests: number };
  operations: Array<{ name: string; type: string; count: number; seconds: number; outcomes: Record<string, number> }>;
  subgraphs: Array<{ name: string; state: string; instances: Array<{ url: string; state: string; inFlight: number }> }>;
  subscriptions: { active: number; connections: number; events: number; deliveries: number; groups: number };
  rateLimits: { enabled: boolean; debits: number; refusals: number; clients: Array<{ client: string; tier: string; capacity: number; remaining: number; refusals: number }> };
  cache: { hits: number; misses: number } | null;
}

const POINTS = 120;
const POLL_MS = 1_000;
const MAX_OPERATIONS_CHARTED = 5;
const COLOURS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2'];

/** A time-series chart (uPlot) over the last POINTS readings; its series can change (operations come and go). */
class TimeChart {
  readonly element: HTMLElement;
  private plot: uPlot | undefined;
  private labels: string[] = [];
  private readonly times: number[] = [];
  private readonly values = new Map<string, Array<number | null>>();

  constructor(
    private readonly id: string,
    private readonly title: string,
    private readonly unit: string,
  ) {
    this.element = h('figure', { class: 'chart', id }, h('figcaption', {}, title));
  }

  push(at: number, points: Record<string, number | null>): void {
    this.times.push(at / 1000);
    for (const label of Object.keys(points)) if (!this.values.has(label)) this.values.set(label, this.times.slice(0, -1).map(() => null));
    for (const [label, series] of this.values) series.push(points[label] ?? null);
    if (this.times.length > POINTS) {
      this.times.shift();
      for (const series of this.values.values()) series.shift();
    }
    const labels = Object.keys(points);
    // One reading is no line (and uPlot would stretch its time axis over years): draw from the second on.
    if (this.times.length < 2) return;
    if (!this.plot || labels.join('\n') !== this.labels.join('\n')) this.rebuild(labels);
    this.plot!.setData([this.times, ...labels.map((label) => this.values.get(label)!)] as uPlot.AlignedData);
    this.element.dataset.latest = JSON.stringify(points);
  }

  private rebuild(labels: string[]): void {
    this.plot?.destroy();
    this.labels = labels;
    const width = Math.max(280, this.element.clientWidth - 16);
    this.plot = new uPlot(
      {
        width,
        height: 170,
        series: [{}, ...labels.map((label, i) => ({ label, stroke: COLOURS[i % COLOURS.length], width: 2, points: { show: false } }))],
        axes: [{}, { label: this.unit, size: 56 }],
        scales: { x: { time: true } },
        legend: { live: false },
        cursor: { show: false },
      },
      [this.times, ...labels.map((label) => this.values.get(label)!)] as uPlot.AlignedData,
      this.element,
    );
  }
}

/**
 * The gateway's own numbers, read every second from /dashboard/metrics.json
 * with the signed-in token (it needs the dashboard's scope): rates and
 * latencies are differences between two readings. A restarted gateway's
 * counters start again from zero; that reading only re-bases.
 */
export class MetricsPanel {
  readonly element: HTMLElement;
  private readonly status = h('p', { class: 'metrics-status', id: 'metrics-status' });
  private readonly events = new TimeChart('chart-events', 'Events per second', 'events/s');
  private readonly requests = new TimeChart('chart-requests', 'Requests per second, by operation', 'req/s');
  private readonly latency = new TimeChart('chart-latency', 'Latency per operation (mean over 1 s)', 'ms');
  private readonly subscriptions = new TimeChart('chart-subscriptions', 'Active subscriptions', 'active');
  private readonly breakers = h('ul', { class: 'breakers', id: 'breakers' });
  private readonly budgets = h('div', { class: 'budgets', id: 'budgets' });
  private readonly cache = h('strong', { id: 'cache-hit-rate' }, 'n/a');
  private previous: Snapshot | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private token: string | undefined;

  constructor(
    private readonly url: string,
    private readonly scope: string,
    private readonly receivedWithin: (seconds: number) => number,
  ) {
    this.element = h(
      'section',
      { class: 'panel metrics' },
      h('h2', {}, 'Gateway'),
      this.status,
      h('div', { class: 'charts' }, this.events.element, this.requests.element, this.latency.element, this.subscriptions.element),
      h(
        'div',
        { class: 'facts' },
        h('div', { class: 'fact' }, h('h3', {}, 'Subgraph breakers'), this.breakers),
        h('div', { class: 'fact' }, h('h3', {}, 'Rate-limit budgets per client'), this.budgets),
        h('div', { class: 'fact' }, h('h3', {}, 'Entity cache hit rate'), this.cache),
      ),
    );
  }

  start(token: string): void {
    this.token = token;
    this.refresh();
    this.timer = setInterval(() => this.refresh(), POLL_MS);
  }

  /** Reads now (the live connection calls it once the gateway is back, rather than waiting for the next tick). */
  refresh(): void {
    if (this.token !== undefined) void this.poll(this.token);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async poll(token: string): Promise<void> {
    let res: Response;
    try {
      res = await fetch(this.url, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
    } catch {
      this.say('unreachable', 'The gateway does not answer; trying again every second…');
      return;
    }
    if (res.status === 401 || res.status === 403) {
      this.say('forbidden', `The gateway's metrics need a token with scope ${this.scope}; live events follow your token's rights.`);
      this.stop();
      this.token = undefined;
      return;
    }
    if (!res.ok) {
      this.say('unreachable', `Metrics answered ${res.status}; trying again…`);
      return;
    }
    const snapshot = (await res.json()) as Snapshot;
    this.say('ok', `Gateway process ${snapshot.pid}, read at ${new Date(snapshot.at).toLocaleTimeString([], { hour12: false })}`);
    this.show(snapshot);
  }

  private say(state: string, text: string): void {
    this.status.dataset.state = state;
    this.status.textContent = text;
  }

  private show(now: Snapshot): void {
    const before = this.previous && this.previous.pid === now.pid && this.previous.at < now.at ? this.previous : undefined;
    this.previous = now;
    this.showBreakers(now);
    this.showBudgets(now);
    this.cache.textContent = now.cache && now.cache.hits + now.cache.misses > 0 ? `${((100 * now.cache.hits) / (now.cache.hits + now.cache.misses)).toFixed(1)} %` : 'n/a';
    this.subscriptions.push(now.at, { active: now.subscriptions.active, 'WebSocket connections': now.subscriptions.connections });
    if (!before) return;
    const seconds = (now.at - before.at) / 1000;
    const rate = (a: number, b: number) => Math.max(0, a - b) / seconds;
    this.events.push(now.at, {
      'received by the gateway': rate(now.subscriptions.events, before.subscriptions.events),
      'delivered to subscribers': rate(now.subscriptions.deliveries, before.subscriptions.deliveries),
      'on this page': this.receivedWithin(seconds) / seconds,
    });
    const previousOps = new Map(before.operations.map((op) => [`${op.type} ${op.name}`, op]));
    const active = now.operations
      .map((op) => {
        const prior = previousOps.get(`${op.type} ${op.name}`);
        return { label: `${op.type} ${op.name}`, count: op.count - (prior?.count ?? 0), seconds: op.seconds - (prior?.seconds ?? 0) };
      })
      .sort((a, b) => b.count - a.count)
      .slice(0, MAX_OPERATIONS_CHARTED);
    const requests: Record<string, number | null> = { 'all HTTP requests': rate(now.http.requests, before.http.requests) };
    const latency: Record<string, number | null> = {};
    for (const op of active) {
      requests[op.label] = op.count / seconds;
      latency[op.label] = op.count > 0 ? (1000 * op.seconds) / op.count : null;
    }
    this.requests.push(now.at, requests);
    this.latency.push(now.at, latency);
  }

  private showBreakers(now: Snapshot): void {
    this.breakers.replaceChildren(
      ...now.subgraphs.map((subgraph) =>
        h('li', { 'data-subgraph': subgraph.name, 'data-state': subgraph.state }, h('span', { class: `state ${subgraph.state}` }, subgraph.state), ` ${subgraph.name} `, h('small', {}, `${subgraph.instances.length} instance(s)`)),
      ),
    );
  }

  private showBudgets(now: Snapshot): void {
    if (!now.rateLimits.enabled) {
      this.budgets.replaceChildren(h('p', {}, 'Rate limiting is off.'));
      return;
    }
    this.budgets.replaceChildren(
      ...now.rateLimits.clients.slice(0, 8).map((client) => {
        const share = client.capacity > 0 ? Math.round((100 * client.remaining) / client.capacity) : 0;
        return h(
          'div',
          { class: 'budget', 'data-client': client.client },
          h('span', { class: 'client' }, `${client.client} (${client.tier})`),
          h('span', { class: 'bar' }, h('span', { class: 'fill', style: `width: ${share}%` })),
          h('span', { class: 'n' }, `${client.remaining} / ${client.capacity}${client.refusals ? ` · ${client.refusals} refused` : ''}`),
        );
      }),
    );
  }
}
