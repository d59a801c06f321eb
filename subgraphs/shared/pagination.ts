import { badUserInput } from './errors';

/**
 * Cursor pagination over a sequence number: every listed entity has a `seq`
 * (its creation order), and a cursor is an opaque base64 token naming the
 * last `seq` a client saw. The `kind` tag keeps a products cursor from being
 * accepted by payments.
 */
export function encodeCursor(kind: string, seq: number): string {
  return Buffer.from(`${kind}:${seq}`, 'utf8').toString('base64');
}

/** The `seq` inside a cursor, or BAD_USER_INPUT when it is not one of ours. */
export function decodeCursor(kind: string, cursor: string, argument = 'after'): number {
  const decoded = Buffer.from(cursor, 'base64').toString('utf8');
  const match = /^([a-z]+):(\d{1,15})$/.exec(decoded);
  if (!match || match[1] !== kind || encodeCursor(kind, Number(match[2])) !== cursor) {
    throw badUserInput(argument, `${argument} is not a valid cursor; pass pageInfo.endCursor of a previous page`);
  }
  return Number(match[2]);
}

/** One page as stores return it. */
export interface Page<T> {
  nodes: T[];
  hasNextPage: boolean;
  totalCount: number;
}

/** The GraphQL connection (`nodes`, `pageInfo`, `totalCount`) of a page. */
export function toConnection<T extends { seq: number }>(kind: string, page: Page<T>) {
  const last = page.nodes[page.nodes.length - 1];
  return {
    nodes: page.nodes,
    totalCount: page.totalCount,
    pageInfo: { hasNextPage: page.hasNextPage, endCursor: last ? encodeCursor(kind, last.seq) : null },
  };
}

/**
 * The page after `afterSeq` in a list sorted by ascending `seq` (binary
 * search, so paging deep into a large list stays cheap). `newestFirst`
 * reads the same list backwards.
 */
export function pageOf<T extends { seq: number }>(
  sorted: readonly T[],
  { first, afterSeq, newestFirst = false }: { first: number; afterSeq?: number; newestFirst?: boolean },
): Page<T> {
  if (!newestFirst) {
    const start = afterSeq === undefined ? 0 : firstIndexAbove(sorted, afterSeq);
    return { nodes: sorted.slice(start, start + first), hasNextPage: start + first < sorted.length, totalCount: sorted.length };
  }
  const end = afterSeq === undefined ? sorted.length : firstIndexAbove(sorted, afterSeq - 1);
  const start = Math.max(0, end - first);
  return { nodes: sorted.slice(start, end).reverse(), hasNextPage: start > 0, totalCount: sorted.length };
}

/** Index of the first element whose seq is greater than `seq`. */
function firstIndexAbove<T extends { seq: number }>(sorted: readonly T[], seq: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid].seq <= seq) low = mid + 1;
    else high = mid;
  }
  return low;
}
