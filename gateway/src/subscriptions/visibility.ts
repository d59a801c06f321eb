import { EVENT_CHANNELS } from '../../../lib/events/catalogue';
import type { Caller } from '../auth/caller';
import type { DomainEvent } from './enrich';

/**
 * Which events a subscriber may receive at all, decided here on the server
 * whatever the subscription's arguments say: a customer receives only events
 * about their own payments (`customerId` = token subject);
 * `payments:read:all` receives all. Fails closed: an event on an owned
 * channel that names no owner (a publisher bug, a malformed message) reaches
 * only `payments:read:all`. Events of other channels are public.
 */
export const READ_ALL_PAYMENTS_SCOPE = 'payments:read:all';

/** Channels whose events belong to a customer, and the event field naming them. */
const OWNED_CHANNELS: ReadonlyMap<string, string> = new Map([[EVENT_CHANNELS.PaymentStatusChanged, 'customerId']]);

export function mayReceive(caller: Caller, event: DomainEvent, channel: string): boolean {
  const ownerField = OWNED_CHANNELS.get(channel);
  if (ownerField === undefined) return true;
  if (!caller.authenticated) return false;
  if (caller.scopes.has(READ_ALL_PAYMENTS_SCOPE)) return true;
  const owner = event[ownerField];
  return typeof owner === 'string' && caller.subject === owner;
}
