/** What a test needs of an HTTP answer: status, headers, and the parsed JSON body. */
export interface GraphQLAnswer<TData = any> {
  status: number;
  headers: Headers;
  body: { data?: TData | null; errors?: Array<{ message: string; path?: unknown[]; extensions?: Record<string, any> }>; extensions?: Record<string, any> };
}

/** POSTs a GraphQL operation as a client would (real HTTP, JSON body). */
export async function postGraphQL<TData = any>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GraphQLAnswer<TData>> {
  return postRaw(url, JSON.stringify({ query, variables }), { 'content-type': 'application/json', ...headers });
}

/** POSTs any body with any headers, for the malformed-input cases. */
export async function postRaw(url: string, body: string | Uint8Array, headers: Record<string, string>): Promise<GraphQLAnswer> {
  const res = await fetch(url, { method: 'POST', headers, body });
  return { status: res.status, headers: res.headers, body: await readJson(res) };
}

export async function getGraphQL(url: string, params: Record<string, string>, headers: Record<string, string> = {}): Promise<GraphQLAnswer> {
  const res = await fetch(`${url}?${new URLSearchParams(params)}`, { headers });
  return { status: res.status, headers: res.headers, body: await readJson(res) };
}

async function readJson(res: Response): Promise<GraphQLAnswer['body']> {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`expected a JSON body, got HTTP ${res.status}: ${text.slice(0, 200)}`);
  }
}

/** The codes of an answer's errors, in order. */
export const errorCodes = (answer: GraphQLAnswer) => (answer.body.errors ?? []).map((e) => e.extensions?.code);
