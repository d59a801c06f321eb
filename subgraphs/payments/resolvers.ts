import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import type { Money } from '../shared/money';
import { decodeCursor, toConnection } from '../shared/pagination';
import { validatePageSize } from '../shared/validation';
import type { PaymentLoaders } from './loaders';
import { authorizationFingerprint, authorizationOutcome } from './rules';
import type { Payment, PaymentStore } from './store';
import { validateAuthorization, validatePaymentAmount, type AuthorizePaymentInput } from './validation';

export interface PaymentsContext {
  store: PaymentStore;
  loaders: PaymentLoaders;
}

const CURSOR_KIND = 'payments';

export const paymentsResolvers: GraphQLResolverMap<PaymentsContext> = {
  Query: {
    payment: (_: unknown, { id }: { id: string }, { loaders }: PaymentsContext) => loaders.paymentById.load(id),

    payments: async (
      _: unknown,
      args: { customerId?: string | null; first: number; after?: string | null },
      { store, loaders }: PaymentsContext,
    ) => {
      const first = validatePageSize(args.first);
      const afterSeq = args.after == null ? undefined : decodeCursor(CURSOR_KIND, args.after);
      const page = await store.listPayments({ customerId: args.customerId ?? undefined, first, afterSeq });
      for (const payment of page.nodes) loaders.paymentById.prime(payment.id, payment);
      return toConnection(CURSOR_KIND, page);
    },
  },

  Mutation: {
    authorizePayment: async (
      _: unknown,
      args: { input: AuthorizePaymentInput; idempotencyKey: string },
      { store, loaders }: PaymentsContext,
    ) => {
      const { idempotencyKey, ...input } = validateAuthorization(args.input, args.idempotencyKey);
      const { payment } = await store.authorize({
        idempotencyKey,
        fingerprint: authorizationFingerprint(input),
        payment: { ...input, refunded: 0, status: authorizationOutcome(input.amount), createdAt: new Date().toISOString() },
      });
      loaders.paymentById.clear(payment.id).prime(payment.id, payment);
      return payment;
    },

    capturePayment: async (_: unknown, { id }: { id: string }, { store, loaders }: PaymentsContext) => {
      const payment = await store.capture(id);
      loaders.paymentById.clear(id).prime(id, payment);
      return payment;
    },

    refundPayment: async (_: unknown, { id, amount }: { id: string; amount: Money }, { store, loaders }: PaymentsContext) => {
      const payment = await store.refund(id, validatePaymentAmount(amount, 'amount'));
      loaders.paymentById.clear(id).prime(id, payment);
      return payment;
    },
  },

  Payment: {
    __resolveReference: (reference: { id: string }, { loaders }: PaymentsContext) => loaders.paymentById.load(reference.id),
    refundedAmount: (payment: Payment): Money => ({ amount: payment.refunded, currency: payment.amount.currency }),
    items: (payment: Payment) => payment.items.map(({ productId, quantity }) => ({ quantity, product: { id: productId } })),
  },
};
