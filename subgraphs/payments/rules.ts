import { createHash } from 'node:crypto';
import type { Money } from '../shared/money';
import { currencyMismatch, illegalTransition, refundExceedsCaptured } from './errors';
import type { NewPayment, Payment, PaymentStatus } from './store';

/**
 * The payment state machine, the one place it is written down (the Redis
 * scripts are given the allowed statuses from here):
 * PENDING -> AUTHORIZED | FAILED; AUTHORIZED -> CAPTURED | FAILED;
 * CAPTURED -> REFUNDED (a partial refund keeps it CAPTURED). REFUNDED and FAILED are final.
 */
export const PAYMENT_TRANSITIONS: Readonly<Record<PaymentStatus, readonly PaymentStatus[]>> = {
  PENDING: ['AUTHORIZED', 'FAILED'],
  AUTHORIZED: ['CAPTURED', 'FAILED'],
  CAPTURED: ['REFUNDED'],
  REFUNDED: [],
  FAILED: [],
};

/** The statuses a payment may be in to move to `target`. */
export function statusesThatCanBecome(target: PaymentStatus): PaymentStatus[] {
  return (Object.keys(PAYMENT_TRANSITIONS) as PaymentStatus[]).filter((status) => PAYMENT_TRANSITIONS[status].includes(target));
}

export function canTransition(from: PaymentStatus, to: PaymentStatus): boolean {
  return PAYMENT_TRANSITIONS[from].includes(to);
}

/**
 * The decline rule, deterministic so it can be demonstrated and tested:
 * an authorization above 1,000,000 minor units (10,000.00 in USD or EUR)
 * is declined and recorded as FAILED; anything else is AUTHORIZED.
 */
export const DECLINE_ABOVE_MINOR_UNITS = 1_000_000;

export function authorizationOutcome(amount: Money): Extract<PaymentStatus, 'AUTHORIZED' | 'FAILED'> {
  return amount.amount > DECLINE_ABOVE_MINOR_UNITS ? 'FAILED' : 'AUTHORIZED';
}

/** What makes two authorizations "the same input" for an idempotency key. */
export function authorizationFingerprint(payment: Pick<NewPayment, 'orderId' | 'customerId' | 'amount' | 'items'>): string {
  const canonical = JSON.stringify([
    payment.orderId,
    payment.customerId,
    payment.amount.amount,
    payment.amount.currency,
    payment.items.map((item) => [item.productId, item.quantity]),
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

/** AUTHORIZED -> CAPTURED, or ILLEGAL_PAYMENT_TRANSITION naming both statuses. */
export function applyCapture(payment: Payment): Payment {
  if (!canTransition(payment.status, 'CAPTURED')) throw illegalTransition(payment.id, payment.status, 'CAPTURED', statusesThatCanBecome('CAPTURED'));
  return { ...payment, status: 'CAPTURED' };
}

/**
 * A refund of a CAPTURED payment (else ILLEGAL_PAYMENT_TRANSITION), in its
 * currency (else CURRENCY_MISMATCH), of at most what is not refunded yet
 * (else REFUND_EXCEEDS_CAPTURED). Fully refunded, the payment is REFUNDED.
 * The Redis store's refund script checks the same, in the same order.
 */
export function applyRefund(payment: Payment, amount: Money): Payment {
  if (!canTransition(payment.status, 'REFUNDED')) throw illegalTransition(payment.id, payment.status, 'REFUNDED', statusesThatCanBecome('REFUNDED'));
  if (amount.currency !== payment.amount.currency) throw currencyMismatch(payment.id, payment.amount.currency, amount.currency);
  const refundable = payment.amount.amount - payment.refunded;
  if (amount.amount > refundable) throw refundExceedsCaptured(payment.id, amount, refundable);
  const refunded = payment.refunded + amount.amount;
  return { ...payment, refunded, status: refunded === payment.amount.amount ? 'REFUNDED' : payment.status };
}
