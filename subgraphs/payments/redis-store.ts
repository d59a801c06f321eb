import type Redis from 'ioredis';
import { EVENT_CHANNELS } from '../../lib/events/catalogue';
import { APPEND_EVENT_LUA } from '../../lib/events/log';
import { RedisEventScripts } from '../shared/event-log';
import type { Money } from '../shared/money';
import type { Page } from '../shared/pagination';
import { RAISE_COUNTER_LUA, SEQ_PAGE_LUA, defineScript, execOrThrow, readSeqPage, type RedisScript } from '../shared/redis';
import type { SeedOutcome, StoreStats } from '../shared/store';
import { currencyMismatch, idempotencyKeyReused, illegalTransition, paymentNotFound, refundExceedsCaptured } from './errors';
import { CAPTURE_CHANGE, FULL_REFUND_CHANGE, NEW_PAYMENT_STATUS, paymentStatusTemplate } from './events';
import { statusesThatCanBecome } from './rules';
import { DEFAULT_IDEMPOTENCY_TTL_MS, type AuthorizationRequest, type IdempotencyOptions, type Payment, type PaymentListQuery, type PaymentStatus, type PaymentStore } from './store';

/**
 * Keys (all under `payments:`):
 * - `payments:payment`             hash   id -> payment JSON
 * - `payments:all`                 zset   id scored by seq
 * - `payments:customer:<id>`       zset   id scored by seq, per customer
 * - `payments:idempotency:<n>:<customer id>:<key>` string "<fingerprint> <payment id>", expiring after the TTL
 *   (n = the customer id's length, so no customer id or key can make another pair's name)
 * - `payments:seq`                 string last assigned seq
 * - `payments:seeded`              string set once the seed payments are written
 * Events: PaymentStatusChanged's log (lib/events/log.ts), appended by the scripts that change a status.
 */
const KEY = {
  payment: 'payments:payment',
  all: 'payments:all',
  customer: (customerId: string) => `payments:customer:${customerId}`,
  idempotency: (customerId: string, key: string) => `payments:idempotency:${customerId.length}:${customerId}:${key}`,
  seq: 'payments:seq',
  seeded: 'payments:seeded',
};

/**
 * The idempotency check and the creation in one atomic step, so concurrent
 * calls with one key create exactly one payment, and announce it once (the
 * event template completed with the new id and the status it got).
 * KEYS: idempotency record, payments, seq, all, customer, event stream, event horizon.
 * ARGV: TTL ms, fingerprint, payment JSON (no id, seq), event template, channel, maxLength, maxAgeMs.
 */
const AUTHORIZE = `${APPEND_EVENT_LUA}
local record = redis.call('GET', KEYS[1])
if record then
  local space = string.find(record, ' ', 1, true)
  if string.sub(record, 1, space - 1) ~= ARGV[2] then return { 'reused' } end
  return { 'existing', redis.call('HGET', KEYS[2], string.sub(record, space + 1)) }
end
local seq = redis.call('INCR', KEYS[3])
local payment = cjson.decode(ARGV[3])
payment.id = string.format('pay-%04d', seq)
payment.seq = seq
local json = cjson.encode(payment)
redis.call('HSET', KEYS[2], payment.id, json)
redis.call('ZADD', KEYS[4], seq, payment.id)
redis.call('ZADD', KEYS[5], seq, payment.id)
redis.call('SET', KEYS[1], ARGV[2] .. ' ' .. payment.id, 'PX', ARGV[1])
local event = cjson.decode(ARGV[4])
event.paymentId = payment.id
event.entity.id = payment.id
event.to = payment.status
appendEvent(KEYS[6], KEYS[7], ARGV[5], cjson.encode(event), ARGV[6], ARGV[7])
return { 'created', json }`;

/** Is the payment's status one of ARGV[n] (space-separated)? Shared by the status scripts. */
const STATUS_ALLOWED = `
local function allowed(status, list) return string.find(' ' .. list .. ' ', ' ' .. status .. ' ', 1, true) ~= nil end`;

/**
 * A status change and its event (the template completed with the payment's customer).
 * KEYS: payments, event stream, event horizon. ARGV: id, target status, allowed current statuses, event template, channel, maxLength, maxAgeMs.
 */
const TRANSITION = `${APPEND_EVENT_LUA}${STATUS_ALLOWED}
local json = redis.call('HGET', KEYS[1], ARGV[1])
if not json then return { 'not_found' } end
local payment = cjson.decode(json)
if not allowed(payment.status, ARGV[3]) then return { 'illegal', payment.status } end
payment.status = ARGV[2]
json = cjson.encode(payment)
redis.call('HSET', KEYS[1], ARGV[1], json)
local event = cjson.decode(ARGV[4])
event.customerId = payment.customerId
appendEvent(KEYS[2], KEYS[3], ARGV[5], cjson.encode(event), ARGV[6], ARGV[7])
return { 'ok', json }`;

/**
 * Same checks, same order as rules.ts#applyRefund; the refund that makes the
 * payment fully refunded appends its event (the template completed with the customer).
 * KEYS: payments, event stream, event horizon.
 * ARGV: id, amount, currency, allowed statuses, fully-refunded status, event template, channel, maxLength, maxAgeMs.
 */
const REFUND = `${APPEND_EVENT_LUA}${STATUS_ALLOWED}
local json = redis.call('HGET', KEYS[1], ARGV[1])
if not json then return { 'not_found' } end
local payment = cjson.decode(json)
if not allowed(payment.status, ARGV[4]) then return { 'illegal', payment.status } end
if payment.amount.currency ~= ARGV[3] then return { 'currency_mismatch', payment.amount.currency } end
local amount = tonumber(ARGV[2])
local refundable = payment.amount.amount - payment.refunded
if amount > refundable then return { 'exceeds', tostring(refundable) } end
payment.refunded = payment.refunded + amount
local appended = 0
if payment.refunded == payment.amount.amount then
  payment.status = ARGV[5]
  local event = cjson.decode(ARGV[6])
  event.customerId = payment.customerId
  appendEvent(KEYS[2], KEYS[3], ARGV[7], cjson.encode(event), ARGV[8], ARGV[9])
  appended = 1
end
json = cjson.encode(payment)
redis.call('HSET', KEYS[1], ARGV[1], json)
return { 'ok', json, appended }`;

/** Payments in Redis: each method one round trip (a read or a Lua script), except seeding. */
export class RedisPaymentStore implements PaymentStore {
  readonly kind = 'redis';
  readonly stats: StoreStats = { roundTrips: 0 };
  private readonly listPage: RedisScript<Array<number | string | null>>;
  private readonly authorizeScript: RedisScript<string[]>;
  private readonly transition: RedisScript<string[]>;
  private readonly refundScript: RedisScript<[string, string, number?]>;
  private readonly raiseCounter: RedisScript<number>;

  private readonly ttlMs: number;

  constructor(
    private readonly redis: Redis,
    options: Pick<IdempotencyOptions, 'idempotencyTtlMs'> = {},
    private readonly events: RedisEventScripts = new RedisEventScripts(),
  ) {
    this.ttlMs = options.idempotencyTtlMs ?? DEFAULT_IDEMPOTENCY_TTL_MS;
    this.listPage = defineScript(redis, 'paymentsListPage', SEQ_PAGE_LUA);
    this.authorizeScript = defineScript(redis, 'paymentsAuthorize', AUTHORIZE);
    this.transition = defineScript(redis, 'paymentsTransition', TRANSITION);
    this.refundScript = defineScript(redis, 'paymentsRefund', REFUND);
    this.raiseCounter = defineScript(redis, 'paymentsRaiseCounter', RAISE_COUNTER_LUA);
  }

  async getPayments(ids: readonly string[]): Promise<Array<Payment | null>> {
    if (ids.length === 0) return [];
    this.stats.roundTrips++;
    const docs = await this.redis.hmget(KEY.payment, ...ids);
    return docs.map((doc) => (doc === null ? null : parsePayment(doc)));
  }

  async listPayments({ customerId, first, afterSeq }: PaymentListQuery): Promise<Page<Payment>> {
    this.stats.roundTrips++;
    const index = customerId === undefined ? KEY.all : KEY.customer(customerId);
    return readSeqPage(this.listPage, { index, documents: KEY.payment }, { first, afterSeq, newestFirst: true }, parsePayment);
  }

  async authorize({ idempotencyKey, fingerprint, payment }: AuthorizationRequest): Promise<{ payment: Payment; created: boolean }> {
    this.stats.roundTrips++;
    const channel = EVENT_CHANNELS.PaymentStatusChanged;
    const template = paymentStatusTemplate('', payment.customerId, NEW_PAYMENT_STATUS, payment.status);
    const [outcome, json] = await this.authorizeScript(
      [KEY.idempotency(payment.customerId, idempotencyKey), KEY.payment, KEY.seq, KEY.all, KEY.customer(payment.customerId), ...this.events.keys(channel)],
      [String(this.ttlMs), fingerprint, JSON.stringify(payment), JSON.stringify(template), channel, ...this.events.retentionArgs()],
    );
    if (outcome === 'reused') throw idempotencyKeyReused(idempotencyKey);
    if (outcome === 'created') this.events.appended(channel, 1);
    return { payment: parsePayment(json), created: outcome === 'created' };
  }

  async capture(id: string): Promise<Payment> {
    this.stats.roundTrips++;
    const allowedFrom = statusesThatCanBecome('CAPTURED');
    const channel = EVENT_CHANNELS.PaymentStatusChanged;
    const template = paymentStatusTemplate(id, '', CAPTURE_CHANGE.from, CAPTURE_CHANGE.to);
    const [outcome, value] = await this.transition(
      [KEY.payment, ...this.events.keys(channel)],
      [id, CAPTURE_CHANGE.to, allowedFrom.join(' '), JSON.stringify(template), channel, ...this.events.retentionArgs()],
    );
    if (outcome === 'not_found') throw paymentNotFound(id);
    if (outcome === 'illegal') throw illegalTransition(id, value as PaymentStatus, 'CAPTURED', allowedFrom);
    this.events.appended(channel, 1);
    return parsePayment(value);
  }

  async refund(id: string, amount: Money): Promise<Payment> {
    this.stats.roundTrips++;
    const allowedFrom = statusesThatCanBecome('REFUNDED');
    const channel = EVENT_CHANNELS.PaymentStatusChanged;
    const template = paymentStatusTemplate(id, '', FULL_REFUND_CHANGE.from, FULL_REFUND_CHANGE.to);
    const [outcome, value, appended] = await this.refundScript(
      [KEY.payment, ...this.events.keys(channel)],
      [id, amount.amount, amount.currency, allowedFrom.join(' '), FULL_REFUND_CHANGE.to, JSON.stringify(template), channel, ...this.events.retentionArgs()],
    );
    switch (outcome) {
      case 'not_found':
        throw paymentNotFound(id);
      case 'illegal':
        throw illegalTransition(id, value as PaymentStatus, 'REFUNDED', allowedFrom);
      case 'currency_mismatch':
        throw currencyMismatch(id, value, amount.currency);
      case 'exceeds':
        throw refundExceedsCaptured(id, amount, Number(value));
      default:
        this.events.appended(channel, Number(appended));
        return parsePayment(value);
    }
  }

  /** Writes only what is missing (HSETNX, ZADD NX); the marker written last skips the work on later starts. */
  async seed(payments: readonly Payment[]): Promise<SeedOutcome> {
    this.stats.roundTrips++;
    if ((await this.redis.exists(KEY.seeded)) === 1) return { seeded: false };
    const pipeline = this.redis.pipeline();
    for (const payment of payments) {
      pipeline.hsetnx(KEY.payment, payment.id, JSON.stringify(payment));
      pipeline.zadd(KEY.all, 'NX', payment.seq, payment.id);
      pipeline.zadd(KEY.customer(payment.customerId), 'NX', payment.seq, payment.id);
    }
    this.raiseCounter.queue(pipeline, [KEY.seq], [Math.max(0, ...payments.map((p) => p.seq))]);
    this.stats.roundTrips++;
    await execOrThrow(pipeline);
    // Written last: a start that failed half-way seeds the rest next time.
    this.stats.roundTrips++;
    await this.redis.set(KEY.seeded, new Date().toISOString());
    return { seeded: true };
  }
}

function parsePayment(json: string): Payment {
  const p = JSON.parse(json) as Payment;
  return {
    id: p.id,
    seq: p.seq,
    orderId: p.orderId,
    customerId: p.customerId,
    amount: { amount: p.amount.amount, currency: p.amount.currency },
    refunded: p.refunded,
    status: p.status,
    createdAt: p.createdAt,
    items: p.items.map(({ productId, quantity }) => ({ productId, quantity })),
  };
}
