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
 * Entities in ascending `seq` order, for in-process stores: appends in the
 * common case, finds positions by binary search, and pages forwards
 * (oldest first) or backwards (newest first) from a cursor.
 */
export class SeqIndex<T extends { seq: number }> {
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  insert(item: T): void {
    const index = this.firstIndexAbove(item.seq);
    this.items.splice(index, 0, item);
  }

  /** Puts `item` where the entity with its seq is (entities are replaced, never mutated). */
  replace(item: T): void {
    const index = this.firstIndexAbove(item.seq) - 1;
    if (this.items[index]?.seq !== item.seq) throw new Error(`SeqIndex: no entity with seq ${item.seq}`);
    this.items[index] = item;
  }

  /** The `first` entities after `afterSeq` (a decoded cursor): older-to-newer, or newer-to-older when `newestFirst`. */
  page({ first, afterSeq, newestFirst = false }: { first: number; afterSeq?: number; newestFirst?: boolean }): Page<T> {
    const { items } = this;
    if (!newestFirst) {
      const start = afterSeq === undefined ? 0 : this.firstIndexAbove(afterSeq);
      return { nodes: items.slice(start, start + first), hasNextPage: start + first < items.length, totalCount: items.length };
    }
    const end = afterSeq === undefined ? items.length : this.firstIndexAbove(afterSeq - 1);
    const start = Math.max(0, end - first);
    return { nodes: items.slice(start, end).reverse(), hasNextPage: start > 0, totalCount: items.length };
  }

  /** Index of the first entity whose seq is greater than `seq`. */
  private firstIndexAbove(seq: number): number {
    let low = 0;
    let high = this.items.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.items[mid].seq <= seq) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}

/** SeqIndexes per group (category, customer), created on first use. */
export class GroupedSeqIndex<T extends { seq: number }> {
  private readonly groups = new Map<string, SeqIndex<T>>();

  of(group: string): SeqIndex<T> {
    let index = this.groups.get(group);
    if (!index) this.groups.set(group, (index = new SeqIndex<T>()));
    return index;
  }

  /** The group's index if it has any entity: reads never create groups. */
  peek(group: string): SeqIndex<T> | undefined {
    return this.groups.get(group);
  }
}
