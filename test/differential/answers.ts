import { postRaw } from '../support/http';
import type { CorpusOperation } from './corpus';

/** What the comparison looks at in an error: its message, path and code; never locations or other extensions. */
export interface ComparableError {
  message: string;
  path: ReadonlyArray<string | number> | null;
  code: string | null;
}

/** A gateway's answer to one operation, reduced to what both engines must agree on. */
export interface ComparableAnswer {
  /** `data` as JSON text, key order included; `undefined` when the answer has no `data` key. */
  data: string | undefined;
  /** Sorted, so that two answers with the same multiset of errors compare equal. */
  errors: ComparableError[];
}

/** POSTs the operation as a client would and reduces the answer. */
export async function ask(url: string, operation: CorpusOperation): Promise<ComparableAnswer> {
  const { query, variables, operationName } = operation;
  const answer = await postRaw(url, JSON.stringify({ query, variables, operationName }), {
    'content-type': 'application/json',
    accept: 'application/graphql-response+json',
  });
  const { body } = answer;
  return {
    data: 'data' in body ? JSON.stringify(body.data) : undefined,
    errors: (body.errors ?? [])
      .map((e) => ({ message: e.message, path: (e.path as ComparableError['path']) ?? null, code: e.extensions?.code ?? null }))
      .sort((a, b) => compareText(JSON.stringify(a), JSON.stringify(b))),
  };
}

/** Whether an answer carries some data: `data` present, not null, and with at least one non-null root field. */
export function hasData(answer: ComparableAnswer): boolean {
  if (answer.data === undefined) return false;
  const data = JSON.parse(answer.data) as Record<string, unknown> | null;
  return data !== null && Object.values(data).some((value) => value !== null);
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
