import type { Caller } from '../auth/caller';
import type { DomainEvent } from './enrich';

/**
 * Which events a subscriber may receive at all, decided here on the
 * server whatever the subscription's arguments say: a customer receives
 * only events about their own payments (`customerId` = token subject);
 * `payments:read:all` receives all. Events without an owner are public.
 */
export const READ_ALL_PAYMENTS_SCOPE = 'payments:read:all';

export function mayReceive(caller: Caller, event: DomainEvent): boolean {
  const owner = event.customerId;
  if (typeof owner !== 'string') return true;
  return caller.scopes.has(READ_ALL_PAYMENTS_SCOPE) ? caller.authenticated : caller.subject === owner;
}
