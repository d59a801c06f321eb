import { InProcessEventLog } from '../../lib/events/memory-log';
import type { EventAppender } from '../shared/event-log';
import type { Money } from '../shared/money';
import { GroupedSeqIndex, SeqIndex, type Page } from '../shared/pagination';
import type { SeedOutcome, StoreStats } from '../shared/store';
import { idempotencyKeyReused, paymentNotFound } from './errors';
import { paymentAuthorized, paymentCaptured, paymentRefunded } from './events';
import { applyCapture, applyRefund } from './rules';
import { DEFAULT_IDEMPOTENCY_TTL_MS, paymentId, type AuthorizationRequest, type IdempotencyOptions, type Payment, type PaymentListQuery, type PaymentStore } from './store';

/**
 * Payments in this process. Every method checks, writes and appends its
 * event without an await in between, so concurrent authorizations with one
 * key create one payment, announced once.
 */
export class MemoryPaymentStore implements PaymentStore {
  readonly kind = 'memory';
  readonly stats: StoreStats = { roundTrips: 0 };
  private readonly byId = new Map<string, Payment>();
  private readonly all = new SeqIndex<Payment>();
  private readonly byCustomer = new GroupedSeqIndex<Payment>();
  /** In insertion order, which is expiry order (one TTL for all): expired records are dropped from the front. */
  private readonly idempotency = new Map<string, { fingerprint: string; paymentId: string; expiresAt: number }>();
  private readonly ttlMs: number;
  private readonly now: () => number;
  private lastSeq = 0;
  private seeded = false;

  constructor(
    options: IdempotencyOptions = {},
    private readonly events: EventAppender = new InProcessEventLog(),
  ) {
    this.ttlMs = options.idempotencyTtlMs ?? DEFAULT_IDEMPOTENCY_TTL_MS;
    this.now = options.now ?? Date.now;
  }

  async getPayments(ids: readonly string[]): Promise<Array<Payment | null>> {
    this.stats.roundTrips++;
    return ids.map((id) => this.byId.get(id) ?? null);
  }

  async listPayments({ customerId, first, afterSeq }: PaymentListQuery): Promise<Page<Payment>> {
    this.stats.roundTrips++;
    const index = customerId === undefined ? this.all : this.byCustomer.peek(customerId);
    return index ? index.page({ first, afterSeq, newestFirst: true }) : { nodes: [], hasNextPage: false, totalCount: 0 };
  }

  async authorize({ idempotencyKey, fingerprint, payment }: AuthorizationRequest): Promise<{ payment: Payment; created: boolean }> {
    this.stats.roundTrips++;
    const now = this.now();
    for (const [key, { expiresAt }] of this.idempotency) {
      if (expiresAt > now) break;
      this.idempotency.delete(key);
    }
    // JSON of the pair: no delimiter a key could contain.
    const scoped = JSON.stringify([payment.customerId, idempotencyKey]);
    const record = this.idempotency.get(scoped);
    if (record) {
      if (record.fingerprint !== fingerprint) throw idempotencyKeyReused(idempotencyKey);
      return { payment: this.byId.get(record.paymentId)!, created: false };
    }
    const seq = this.lastSeq + 1;
    const created: Payment = { ...payment, id: paymentId(seq), seq };
    this.insert(created);
    this.idempotency.set(scoped, { fingerprint, paymentId: created.id, expiresAt: now + this.ttlMs });
    this.events.appendNow([paymentAuthorized(created)]);
    return { payment: created, created: true };
  }

  async capture(id: string): Promise<Payment> {
    this.stats.roundTrips++;
    const captured = this.replace(applyCapture(this.existing(id)));
    this.events.appendNow([paymentCaptured(captured)]);
    return captured;
  }

  async refund(id: string, amount: Money): Promise<Payment> {
    this.stats.roundTrips++;
    const refunded = this.replace(applyRefund(this.existing(id), amount));
    // Only the refund that makes it REFUNDED changes the status.
    const event = paymentRefunded(refunded);
    if (event) this.events.appendNow([event]);
    return refunded;
  }

  async seed(payments: readonly Payment[]): Promise<SeedOutcome> {
    this.stats.roundTrips++;
    if (this.seeded) return { seeded: false };
    for (const payment of [...payments].sort((a, b) => a.seq - b.seq)) if (!this.byId.has(payment.id)) this.insert(payment);
    this.seeded = true;
    return { seeded: true };
  }

  private existing(id: string): Payment {
    const payment = this.byId.get(id);
    if (!payment) throw paymentNotFound(id);
    return payment;
  }

  private insert(payment: Payment): void {
    this.byId.set(payment.id, payment);
    this.all.insert(payment);
    this.byCustomer.of(payment.customerId).insert(payment);
    this.lastSeq = Math.max(this.lastSeq, payment.seq);
  }

  /** Payments are replaced, never mutated: one handed out earlier stays a consistent snapshot. */
  private replace(payment: Payment): Payment {
    this.byId.set(payment.id, payment);
    this.all.replace(payment);
    this.byCustomer.of(payment.customerId).replace(payment);
    return payment;
  }
}
