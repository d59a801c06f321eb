import type { ResolverMap } from '../shared/resolver-map';
import type { PaymentStatusChangedEvent } from '../../lib/events/catalogue';
import { gatewayOnlySubscriptions } from '../shared/events';
import type { Identity } from '../shared/gateway-auth';
import type { Money } from '../shared/money';
import { decodeCursor, toConnection } from '../shared/pagination';
import { validatePageSize } from '../shared/validation';
import { canSeeAllPayments, canSeePayment, canSeePaymentsOf, listScope, visiblePayment } from './access';
import { forbiddenCustomer, forbiddenField, paymentNotFound } from './errors';
import { PAYMENTS_SUBSCRIPTIONS } from './events';
import type { PaymentLoaders } from './loaders';
import { authorizationFingerprint, authorizationOutcome } from './rules';
import type { Payment, PaymentStore } from './store';
import { validateAuthorization, validatePaymentAmount, type AuthorizePaymentInput } from './validation';

export interface PaymentsContext {
  store: PaymentStore;
  loaders: PaymentLoaders;
  /** The caller, as signed by the gateway: decides which payments they see (./access). */
  identity: Identity;
}

const CURSOR_KIND = 'payments';
const EMPTY_PAGE = { nodes: [], hasNextPage: false, totalCount: 0 };

/**
 * Capture and refund act on payments the caller may see; anyone else's is
 * PAYMENT_NOT_FOUND, as an unknown id is. A read:all caller needs no read
 * first (the store answers PAYMENT_NOT_FOUND itself); others cost one read,
 * safe before the atomic write because a payment's customer never changes.
 */
async function assertMayChange({ identity, loaders }: PaymentsContext, id: string): Promise<void> {
  if (canSeeAllPayments(identity)) return;
  if (visiblePayment(identity, await loaders.paymentById.load(id)) === null) throw paymentNotFound(id);
}

export const paymentsResolvers: ResolverMap<PaymentsContext> = {
  Query: {
    // Someone else's payment answers null without an error, exactly as an unknown id does.
    payment: async (_: unknown, { id }: { id: string }, { loaders, identity }: PaymentsContext) =>
      visiblePayment(identity, await loaders.paymentById.load(id)),

    payments: async (
      _: unknown,
      args: { customerId?: string | null; first: number; after?: string | null },
      { store, loaders, identity }: PaymentsContext,
    ) => {
      const first = validatePageSize(args.first);
      const afterSeq = args.after == null ? undefined : decodeCursor(CURSOR_KIND, args.after);
      // Without read:all: the caller's own payments; another customer's id is an empty page (see ./access).
      const scope = listScope(identity, args.customerId ?? undefined);
      if (scope === 'none') return toConnection(CURSOR_KIND, EMPTY_PAGE);
      const page = await store.listPayments({ customerId: scope.customerId, first, afterSeq });
      for (const payment of page.nodes) loaders.paymentById.prime(payment.id, payment);
      return toConnection(CURSOR_KIND, page);
    },
  },

  Mutation: {
    authorizePayment: async (
      _: unknown,
      args: { input: AuthorizePaymentInput; idempotencyKey: string },
      { store, loaders, identity }: PaymentsContext,
    ) => {
      const { idempotencyKey, ...input } = validateAuthorization(args.input, args.idempotencyKey);
      if (!canSeePaymentsOf(identity, input.customerId)) throw forbiddenCustomer('input.customerId');
      // The store appends PaymentStatusChanged with each status change (a replay changes nothing and appends nothing).
      const { payment } = await store.authorize({
        idempotencyKey,
        fingerprint: authorizationFingerprint(input),
        payment: { ...input, refunded: 0, status: authorizationOutcome(input.amount), createdAt: new Date().toISOString() },
      });
      loaders.paymentById.clear(payment.id).prime(payment.id, payment);
      return payment;
    },

    capturePayment: async (_: unknown, { id }: { id: string }, context: PaymentsContext) => {
      const { store, loaders } = context;
      await assertMayChange(context, id);
      const payment = await store.capture(id);
      loaders.paymentById.clear(id).prime(id, payment);
      return payment;
    },

    refundPayment: async (_: unknown, { id, amount }: { id: string; amount: Money }, context: PaymentsContext) => {
      const { store, loaders } = context;
      const valid = validatePaymentAmount(amount, 'amount');
      await assertMayChange(context, id);
      const payment = await store.refund(id, valid);
      loaders.paymentById.clear(id).prime(id, payment);
      return payment;
    },
  },

  Subscription: gatewayOnlySubscriptions(PAYMENTS_SUBSCRIPTIONS),

  // The gateway serves these from the event itself; `payment` follows the same visibility rule as every other way to a payment.
  PaymentStatusChangedEvent: {
    payment: async (event: PaymentStatusChangedEvent, _: unknown, { loaders, identity }: PaymentsContext) =>
      visiblePayment(identity, await loaders.paymentById.load(event.paymentId)),
  },

  Payment: {
    // References from other subgraphs follow the same rule: someone else's payment resolves to null.
    __resolveReference: async (reference: { id: string }, { loaders, identity }: PaymentsContext) =>
      visiblePayment(identity, await loaders.paymentById.load(reference.id)),
    // Every way to a payment already hides other customers' ones; this check holds should a new one forget to.
    customerId: (payment: Payment, _: unknown, { identity }: PaymentsContext) => {
      if (!canSeePayment(identity, payment)) throw forbiddenField('Payment.customerId');
      return payment.customerId;
    },
    refundedAmount: (payment: Payment): Money => ({ amount: payment.refunded, currency: payment.amount.currency }),
    items: (payment: Payment) => payment.items.map(({ productId, quantity }) => ({ quantity, product: { id: productId } })),
  },
};
