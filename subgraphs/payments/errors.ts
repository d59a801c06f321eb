import { BAD_USER_INPUT, DomainError } from '../shared/errors';
import type { Money } from '../shared/money';
import type { PaymentStatus } from './store';

/** Every `extensions.code` the payments subgraph answers with. */
export const PaymentsErrorCode = {
  PaymentNotFound: 'PAYMENT_NOT_FOUND',
  IllegalPaymentTransition: 'ILLEGAL_PAYMENT_TRANSITION',
  /** The same idempotencyKey with a different input. */
  IdempotencyKeyReused: 'IDEMPOTENCY_KEY_REUSED',
  CurrencyMismatch: 'CURRENCY_MISMATCH',
  RefundExceedsCaptured: 'REFUND_EXCEEDS_CAPTURED',
  /** The caller may not do this for that customer (see ./access). */
  Forbidden: 'FORBIDDEN',
  BadUserInput: BAD_USER_INPUT,
} as const;
export type PaymentsErrorCode = (typeof PaymentsErrorCode)[keyof typeof PaymentsErrorCode];

export function paymentNotFound(paymentId: string): DomainError<PaymentsErrorCode> {
  return new DomainError(PaymentsErrorCode.PaymentNotFound, `No payment with id "${paymentId}"`, { paymentId });
}

/** `allowedFrom`: the statuses that may become `target` (from the transition table). */
export function illegalTransition(paymentId: string, status: PaymentStatus, target: PaymentStatus, allowedFrom: readonly PaymentStatus[]): DomainError<PaymentsErrorCode> {
  return new DomainError(
    PaymentsErrorCode.IllegalPaymentTransition,
    `Payment ${paymentId} is ${status} and cannot become ${target}; only ${allowedFrom.join(' or ')} payments can`,
    { paymentId, status, targetStatus: target },
  );
}

export function idempotencyKeyReused(idempotencyKey: string): DomainError<PaymentsErrorCode> {
  return new DomainError(
    PaymentsErrorCode.IdempotencyKeyReused,
    `Idempotency key "${idempotencyKey}" was already used with a different input; use a new key for a new payment`,
    { idempotencyKey },
  );
}

export function currencyMismatch(paymentId: string, expected: string, got: string): DomainError<PaymentsErrorCode> {
  return new DomainError(PaymentsErrorCode.CurrencyMismatch, `Payment ${paymentId} is in ${expected}, not ${got}`, {
    paymentId,
    expectedCurrency: expected,
    currency: got,
  });
}

export function refundExceedsCaptured(paymentId: string, requested: Money, refundable: number): DomainError<PaymentsErrorCode> {
  return new DomainError(
    PaymentsErrorCode.RefundExceedsCaptured,
    `Cannot refund ${requested.amount} ${requested.currency} of payment ${paymentId}: only ${refundable} ${requested.currency} of the captured amount is left to refund`,
    { paymentId, requested: requested.amount, refundable },
  );
}

/** authorizePayment for another customer without payments:read:all. */
export function forbiddenCustomer(argument: string): DomainError<PaymentsErrorCode> {
  return new DomainError(
    PaymentsErrorCode.Forbidden,
    `${argument} must be your own customer id: paying for another customer needs the payments:read:all scope`,
    { argument },
  );
}

/** Payment.customerId read by someone who may not see the payment (defence in depth: lookups already hide it). */
export function forbiddenField(field: string): DomainError<PaymentsErrorCode> {
  return new DomainError(PaymentsErrorCode.Forbidden, `${field} is readable by the payment's customer or with the payments:read:all scope`, { field });
}
