import { EVENT_CHANNELS } from '../../../lib/events/catalogue';
import { ANONYMOUS, type Caller } from '../../../gateway/src/auth/caller';
import type { DomainEvent } from '../../../gateway/src/subscriptions/enrich';
import { mayReceive } from '../../../gateway/src/subscriptions/visibility';

const caller = (subject: string, scopes: string[] = []): Caller => ({ authenticated: true, subject, scopes: new Set(scopes), expiresAt: null });
const event = (fields: Record<string, unknown>): DomainEvent => ({ id: 'e-1', type: 'PaymentStatusChanged', occurredAt: new Date(0).toISOString(), ...fields });
const PAYMENTS = EVENT_CHANNELS.PaymentStatusChanged;

describe('who may receive an event, decided on the server', () => {
  it('gives a customer only the payment events of their own payments, and payments:read:all every one', () => {
    const theirs = event({ paymentId: 'pay-1', customerId: 'c-001' });
    expect(mayReceive(caller('c-001'), theirs, PAYMENTS)).toBe(true);
    expect(mayReceive(caller('c-002'), theirs, PAYMENTS)).toBe(false);
    expect(mayReceive(caller('support', ['payments:read:all']), theirs, PAYMENTS)).toBe(true);
    expect(mayReceive(ANONYMOUS, theirs, PAYMENTS)).toBe(false);
  });

  it('fails closed: a payment event that names no owner reaches only payments:read:all', () => {
    const orphan = event({ paymentId: 'pay-2' });
    expect(mayReceive(caller('c-001'), orphan, PAYMENTS)).toBe(false);
    expect(mayReceive(caller('c-001'), event({ paymentId: 'pay-2', customerId: 42 }), PAYMENTS)).toBe(false);
    expect(mayReceive(ANONYMOUS, orphan, PAYMENTS)).toBe(false);
    expect(mayReceive(caller('support', ['payments:read:all']), orphan, PAYMENTS)).toBe(true);
  });

  it('treats events of channels nobody owns as public', () => {
    expect(mayReceive(ANONYMOUS, event({ productId: 'p-1' }), EVENT_CHANNELS.StockChanged)).toBe(true);
  });
});
