import type DataLoader from 'dataloader';
import { createBatchLoader } from '../shared/loaders';
import type { Payment, PaymentStore } from './store';

export interface PaymentLoaders {
  /** Payment by id, null when unknown: entity references and `payment(id)`. */
  paymentById: DataLoader<string, Payment | null>;
}

export function createPaymentLoaders(store: PaymentStore): PaymentLoaders {
  return { paymentById: createBatchLoader((ids) => store.getPayments(ids)) };
}
