/**
 * A small HTTP query asked over and over while something else loads the
 * gateway (the subscription fan-out), to see whether that load starves
 * ordinary requests: its latency under load against its latency idle.
 */
import { performance } from 'node:perf_hooks';
import { LatencyHistogram } from './histogram';

/** A cheap query every gateway answers from one subgraph. */
export const PROBE_QUERY = '{ product(id: "p-0002") { id name } }';

export interface ProbeRun {
  requests: number;
  failures: number;
  p50Ms?: number;
  p99Ms?: number;
  maxMs?: number;
}

/**
 * Sends the probe query `concurrency` at a time, one after the other, until
 * `until` resolves (at least one request each), and answers the latencies.
 */
export async function probeHttp(url: string, until: Promise<unknown>, concurrency = 2): Promise<ProbeRun> {
  const latency = new LatencyHistogram();
  let failures = 0;
  let done = false;
  void until.finally(() => (done = true));
  const body = JSON.stringify({ query: PROBE_QUERY });
  const worker = async () => {
    do {
      const start = performance.now();
      try {
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        const text = await res.text();
        if (res.status !== 200 || text.includes('"errors"')) failures++;
      } catch {
        failures++;
      }
      latency.record(performance.now() - start);
    } while (!done);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { requests: latency.count, failures, p50Ms: latency.percentile(0.5), p99Ms: latency.percentile(0.99), maxMs: latency.max() };
}
