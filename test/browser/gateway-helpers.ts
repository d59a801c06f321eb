import { devAuthorization } from '../support/tokens';

export { eventually } from '../gateway/ratelimit/support';

/** A gateway series' value as /metrics serves it (summed over label sets matching `labels`). */
export async function metricValue(metricsUrl: string, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (labels && !line.includes(labels)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** Runs an operation through the gateway over HTTP (an operator's token unless told otherwise) and returns its data, failing on errors. */
export async function graphql<T = Record<string, unknown>>(url: string, query: string, authorization?: Record<string, string>): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...(authorization ?? (await devAuthorization())) },
    body: JSON.stringify({ query }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown[] };
  if (body.errors?.length || !body.data) throw new Error(`${query} failed: ${JSON.stringify(body)}`);
  return body.data;
}
