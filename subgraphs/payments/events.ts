import { createEvent, paymentKey, type PaymentStatusChangedEvent } from '../../lib/events/catalogue';
import { statusesThatCanBecome } from './rules';
import type { Payment, PaymentStatus } from './store';

/** The subscription fields of schemas/payments.graphql (served by the gateway from these events). */
export const PAYMENTS_SUBSCRIPTIONS = ['paymentStatusChanged'];

/** The status a payment must have had to become `to`, where the state machine allows only one. */
function onlyStatusBefore(to: PaymentStatus): PaymentStatus {
  const [from, ...others] = statusesThatCanBecome(to);
  if (from === undefined || others.length > 0) throw new Error(`${to} can be reached from ${statusesThatCanBecome(to).join(', ') || 'nothing'}, not from one status`);
  return from;
}

/** A new payment is created AUTHORIZED or FAILED: in the state machine's terms it leaves PENDING. */
export const NEW_PAYMENT_STATUS: PaymentStatus = 'PENDING';
/** A successful capture always comes from AUTHORIZED, a full refund always from CAPTURED (./rules). */
const CAPTURED_FROM = onlyStatusBefore('CAPTURED');
const REFUNDED_FROM = onlyStatusBefore('REFUNDED');

export function paymentStatusChanged(payment: Payment, from: PaymentStatus): PaymentStatusChangedEvent {
  return createEvent('PaymentStatusChanged', {
    entity: paymentKey(payment.id),
    paymentId: payment.id,
    customerId: payment.customerId,
    from,
    to: payment.status,
  });
}

/** `authorizePayment` that created a payment (an idempotent replay announces nothing). */
export const paymentAuthorized = (payment: Payment) => paymentStatusChanged(payment, NEW_PAYMENT_STATUS);

export const paymentCaptured = (payment: Payment) => paymentStatusChanged(payment, CAPTURED_FROM);

/** `refundPayment`: an event only for the refund that makes the payment REFUNDED; a partial one keeps it CAPTURED. */
export const paymentRefunded = (payment: Payment): PaymentStatusChangedEvent | null =>
  payment.status === 'REFUNDED' ? paymentStatusChanged(payment, REFUNDED_FROM) : null;

/**
 * PaymentStatusChanged for a store script to complete with what only it
 * knows: the payment's id (a new payment's) and its customer.
 */
export function paymentStatusTemplate(paymentId: string, customerId: string, from: PaymentStatus, to: PaymentStatus): PaymentStatusChangedEvent {
  return createEvent('PaymentStatusChanged', { entity: paymentKey(paymentId), paymentId, customerId, from, to });
}

/** The change a capture announces (AUTHORIZED -> CAPTURED) and a full refund (CAPTURED -> REFUNDED). */
export const CAPTURE_CHANGE = { from: CAPTURED_FROM, to: 'CAPTURED' } as const satisfies { from: PaymentStatus; to: PaymentStatus };
export const FULL_REFUND_CHANGE = { from: REFUNDED_FROM, to: 'REFUNDED' } as const satisfies { from: PaymentStatus; to: PaymentStatus };
