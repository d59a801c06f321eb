/**
 * The write-heavy mix of `npm run bench` (scenario `write-heavy-mix`): on
 * every connection, one stock mutation for every `readsPerWrite` reads of
 * products-list-50, through the same gateway. Every write adds one unit, so
 * a product's `available` only grows: a read that started after a write was
 * acknowledged must show at least what that write answered, else it was a
 * stale read (the cache served a value from before the write).
 */
import { Agent } from 'undici';
import { createDevToken } from '../../scripts/token';
import { BENCH_JWT_SECRET } from './auth';

export const WRITE_HEAVY_MIX = 'write-heavy-mix';

const READ = '{ products(first: 50) { nodes { id name price { amount currency } stock { available } } } }';
const WRITE = 'mutation Restock($p: ID!) { adjustStock(productId: $p, warehouseId: "wh-1", delta: 1, reason: "bench write mix") { id stock { available } } }';

export interface WriteMixOptions {
  connections: number;
  durationSec: number;
  /** Reads between two writes on each connection (10: one mutation per 10 reads). */
  readsPerWrite: number;
}

export interface WriteMixResult {
  reads: number;
  writes: number;
  /** Operations (reads and writes) per second. */
  rps: number;
  /** Reads that showed a product's stock below what a write acknowledged before the read started. */
  staleReads: number;
  /** The first stale read, described. */
  firstStale?: string;
  /** Answers with errors, non-200s or failed requests. */
  failures: number;
  firstFailure?: string;
}

/** A token allowed to adjust stock, for the benchmark's gateways (production mode: the benchmark's secret). */
export async function writerHeaders(): Promise<Record<string, string>> {
  const token = await createDevToken({ sub: 'bench-writer', scopes: 'inventory:write', ttl: String(6 * 3600) }, { JWT_SECRET: BENCH_JWT_SECRET });
  return { authorization: `Bearer ${token}` };
}

type ListAnswer = { data?: { products: { nodes: Array<{ id: string; stock: { available: number } | null }> } }; errors?: unknown[] };
type WriteAnswer = { data?: { adjustStock: { id: string; stock: { available: number } } }; errors?: unknown[] };

export async function runWriteMix(url: string, writer: Record<string, string>, options: WriteMixOptions): Promise<WriteMixResult> {
  const dispatcher = new Agent({ connections: options.connections, keepAliveTimeout: 10_000 });
  const post = async <T>(query: string, variables: Record<string, unknown> | undefined, headers: Record<string, string>): Promise<T> => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
      // @ts-expect-error undici's dispatcher option, which Node's fetch accepts
      dispatcher,
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${text.slice(0, 200)}`);
    return JSON.parse(text) as T;
  };

  // The products every read lists, and the highest `available` each write acknowledged so far.
  const first = await post<ListAnswer>(READ, undefined, {});
  const ids = first.data?.products.nodes.map((n) => n.id) ?? [];
  if (ids.length === 0) throw new Error(`${WRITE_HEAVY_MIX}: the probe read answered no products: ${JSON.stringify(first).slice(0, 200)}`);
  const acknowledged = new Map<string, number>();
  const result: WriteMixResult = { reads: 0, writes: 0, rps: 0, staleReads: 0, failures: 0 };
  const fail = (why: string) => {
    result.failures++;
    result.firstFailure ??= why;
  };
  let next = 0;
  const deadline = Date.now() + options.durationSec * 1000;
  const started = Date.now();

  const connection = async () => {
    for (let i = 0; Date.now() < deadline; i++) {
      if (i % (options.readsPerWrite + 1) === options.readsPerWrite) {
        const product = ids[next++ % ids.length];
        try {
          const answer = await post<WriteAnswer>(WRITE, { p: product }, writer);
          if (answer.errors || !answer.data) {
            fail(JSON.stringify(answer).slice(0, 200));
            continue;
          }
          const available = answer.data.adjustStock.stock.available;
          if (available > (acknowledged.get(product) ?? -Infinity)) acknowledged.set(product, available);
          result.writes++;
        } catch (error) {
          fail((error as Error).message);
        }
        continue;
      }
      // What had been acknowledged when this read started: it must see at least that.
      const floor = new Map(acknowledged);
      try {
        const answer = await post<ListAnswer>(READ, undefined, {});
        if (answer.errors || !answer.data) {
          fail(JSON.stringify(answer).slice(0, 200));
          continue;
        }
        result.reads++;
        for (const node of answer.data.products.nodes) {
          const least = floor.get(node.id);
          if (least === undefined || (node.stock?.available ?? -1) >= least) continue;
          result.staleReads++;
          result.firstStale ??= `${node.id}: read ${node.stock?.available}, after a write acknowledged ${least}`;
        }
      } catch (error) {
        fail((error as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: options.connections }, connection));
  result.rps = (result.reads + result.writes) / ((Date.now() - started) / 1000);
  await dispatcher.close();
  return result;
}
