/** Reading counters and gauges from a `/metrics` page in the Prometheus text format. */

export interface MetricSamples {
  /** The sum of every sample of `name` whose labels include `labels` (0 when there is none). */
  sum(name: string, labels?: Record<string, string>): number;
}

export async function scrapeMetrics(url: string): Promise<MetricSamples> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}: ${text.slice(0, 200)}`);
  return parseMetrics(text);
}

export function parseMetrics(text: string): MetricSamples {
  const samples: Array<{ name: string; labels: Record<string, string>; value: number }> = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue; // comments, blank lines
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key] = value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return {
    sum: (name, wanted = {}) =>
      samples.filter((s) => s.name === name && Object.entries(wanted).every(([k, v]) => s.labels[k] === v)).reduce((total, s) => total + s.value, 0),
  };
}
