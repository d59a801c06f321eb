/**
 * Latencies in milliseconds, counted in fixed buckets so that millions of
 * samples cost a few hundred KiB and histograms of several threads merge by
 * adding counts: 0.1 ms wide below 100 ms, 1 ms wide up to 2 minutes, and
 * one overflow bucket above.
 */
const FINE_LIMIT_MS = 100;
const FINE_WIDTH_MS = 0.1;
const COARSE_LIMIT_MS = 120_000;
const FINE_BUCKETS = FINE_LIMIT_MS / FINE_WIDTH_MS;
const BUCKETS = FINE_BUCKETS + (COARSE_LIMIT_MS - FINE_LIMIT_MS) + 1;

export class LatencyHistogram {
  readonly counts: Uint32Array;
  private total = 0;

  constructor(counts?: Uint32Array) {
    this.counts = counts ?? new Uint32Array(BUCKETS);
    if (counts) for (const c of counts) this.total += c;
  }

  get count(): number {
    return this.total;
  }

  record(ms: number): void {
    const index =
      ms < FINE_LIMIT_MS ? Math.max(0, Math.floor(ms / FINE_WIDTH_MS)) : ms < COARSE_LIMIT_MS ? FINE_BUCKETS + Math.floor(ms - FINE_LIMIT_MS) : BUCKETS - 1;
    this.counts[index]++;
    this.total++;
  }

  add(other: LatencyHistogram): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i] += other.counts[i];
    this.total += other.total;
  }

  /** The value below which `fraction` of the samples fall (the middle of its bucket); undefined without samples. */
  percentile(fraction: number): number | undefined {
    if (this.total === 0) return undefined;
    const rank = Math.max(1, Math.ceil(fraction * this.total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i];
      if (seen >= rank) return bucketMiddle(i);
    }
    return bucketMiddle(BUCKETS - 1);
  }

  /** The largest sample's bucket (its middle); undefined without samples. */
  max(): number | undefined {
    for (let i = BUCKETS - 1; i >= 0; i--) if (this.counts[i] > 0) return bucketMiddle(i);
    return undefined;
  }
}

function bucketMiddle(index: number): number {
  if (index < FINE_BUCKETS) return (index + 0.5) * FINE_WIDTH_MS;
  if (index < BUCKETS - 1) return FINE_LIMIT_MS + (index - FINE_BUCKETS) + 0.5;
  return COARSE_LIMIT_MS;
}
