import type { Identity } from '../shared/gateway-auth';
import type { Payment } from './store';

/**
 * Who may see and change which payment: the data-level rules, decided here
 * on the identity the gateway signed (the gateway's `@authenticated` and
 * `@requiresScopes` only decide who may ask at all).
 *
 * - A caller sees the payments whose `customerId` is their subject; with the
 *   `payments:read:all` scope (support, finance, back office), every payment.
 * - An anonymous caller (subject null) sees none, whatever its scopes.
 * - Someone else's payment looks exactly like one that does not exist, so
 *   ids cannot be probed: `payment(id)` and entity references answer null,
 *   lists leave it out, capture and refund answer PAYMENT_NOT_FOUND.
 * - `authorizePayment` creates payments for the caller only (FORBIDDEN for
 *   another customerId) unless the caller has `payments:read:all`.
 */
export const READ_ALL_PAYMENTS_SCOPE = 'payments:read:all';

/** May see every customer's payments (and act on them). */
export function canSeeAllPayments(identity: Identity): boolean {
  return identity.subject !== null && identity.scopes.includes(READ_ALL_PAYMENTS_SCOPE);
}

/** May see the payments of `customerId`: their own, or all with payments:read:all. */
export function canSeePaymentsOf(identity: Identity, customerId: string): boolean {
  return identity.subject !== null && (identity.subject === customerId || identity.scopes.includes(READ_ALL_PAYMENTS_SCOPE));
}

export function canSeePayment(identity: Identity, payment: Payment): boolean {
  return canSeePaymentsOf(identity, payment.customerId);
}

/** The payment if the caller may see it, else null: the same answer as for an unknown id. */
export function visiblePayment(identity: Identity, payment: Payment | null): Payment | null {
  return payment !== null && canSeePayment(identity, payment) ? payment : null;
}

/**
 * Which customer's payments a list may read: `{ customerId }` (undefined
 * meaning all, for payments:read:all only), or `'none'` for an empty page.
 * Without read:all a list is the caller's own, whether or not `customerId`
 * is given; another customer's id gives an empty page, not an error, as a
 * customer without payments would.
 */
export function listScope(identity: Identity, customerId: string | undefined): { customerId: string | undefined } | 'none' {
  if (identity.subject === null) return 'none';
  if (canSeeAllPayments(identity)) return { customerId };
  if (customerId !== undefined && customerId !== identity.subject) return 'none';
  return { customerId: identity.subject };
}
