import type { Money } from '../shared/money';
import type { Page } from '../shared/pagination';
import type { SeedOutcome, SubgraphStore } from '../shared/store';

export type PaymentStatus = 'PENDING' | 'AUTHORIZED' | 'CAPTURED' | 'REFUNDED' | 'FAILED';

export interface PaymentItem {
  productId: string;
  quantity: number;
}

export interface Payment {
  /** `pay-0001`, `pay-0002`, ...: derived from `seq`. */
  id: string;
  /** Creation order: lists are newest (highest seq) first. */
  seq: number;
  orderId: string;
  customerId: string;
  amount: Money;
  /** Refunded so far, in minor units of `amount.currency`. */
  refunded: number;
  status: PaymentStatus;
  /** ISO 8601. */
  createdAt: string;
  items: PaymentItem[];
}

export type NewPayment = Omit<Payment, 'id' | 'seq'>;

/** How long an idempotency key is remembered by default: 24 h, as payment APIs (Stripe) keep theirs. */
export const DEFAULT_IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export interface IdempotencyOptions {
  /** How long a key answers its first payment; after that the key may be used again. Default 24 h. */
  idempotencyTtlMs?: number;
  /** Clock, for tests. Default Date.now. */
  now?: () => number;
}

/**
 * `PAYMENTS_IDEMPOTENCY_TTL_SECONDS`, validated at start-up: a positive
 * integer, or unset for the 24 h default.
 */
export function idempotencyTtlMsFrom(env: NodeJS.ProcessEnv): number {
  const value = env.PAYMENTS_IDEMPOTENCY_TTL_SECONDS;
  if (value === undefined || value === '') return DEFAULT_IDEMPOTENCY_TTL_MS;
  if (!/^[1-9]\d*$/.test(value)) throw new Error(`Invalid configuration: PAYMENTS_IDEMPOTENCY_TTL_SECONDS must be a positive integer (got "${value}")`);
  return Number(value) * 1000;
}

export interface AuthorizationRequest {
  /** Scoped to the paying customer (`payment.customerId`): two customers' equal keys are unrelated. */
  idempotencyKey: string;
  /** Identifies the input: the same key with another fingerprint is IDEMPOTENCY_KEY_REUSED. */
  fingerprint: string;
  payment: NewPayment;
}

export interface PaymentListQuery {
  /** Only this customer's payments; all payments when absent. */
  customerId?: string;
  first: number;
  /** Only payments older than this one (a decoded cursor). */
  afterSeq?: number;
}

/** A payment's id from its sequence number: `pay-0001` ... */
export function paymentId(seq: number): string {
  return `pay-${String(seq).padStart(4, '0')}`;
}

/**
 * The payments data: one implementation in this process, one in Redis.
 * Idempotency and status changes are atomic; both throw the coded errors of
 * `./errors`, follow the transitions of `./rules`, and count their round trips.
 */
export interface PaymentStore extends SubgraphStore {
  /** In the order of `ids`, null for unknown ids; one round trip for the whole batch. */
  getPayments(ids: readonly string[]): Promise<Array<Payment | null>>;
  /** Newest first; one round trip. */
  listPayments(query: PaymentListQuery): Promise<Page<Payment>>;
  /**
   * Creates the payment once per (customer, idempotency key) within the key's
   * TTL: the same key and fingerprint again answers the payment created the
   * first time (`created: false`).
   */
  authorize(request: AuthorizationRequest): Promise<{ payment: Payment; created: boolean }>;
  /** AUTHORIZED -> CAPTURED. PAYMENT_NOT_FOUND, ILLEGAL_PAYMENT_TRANSITION. */
  capture(id: string): Promise<Payment>;
  /** See `applyRefund` in ./rules for what is checked. */
  refund(id: string, amount: Money): Promise<Payment>;
  /** Writes the payments that are missing; never overwrites. Skipped once the store is seeded. */
  seed(payments: readonly Payment[]): Promise<SeedOutcome>;
}
