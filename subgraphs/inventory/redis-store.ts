import type Redis from 'ioredis';
import { EVENT_CHANNELS } from '../../lib/events/catalogue';
import { APPEND_EVENT_LUA } from '../../lib/events/log';
import { RedisEventScripts } from '../shared/event-log';
import { defineScript, execOrThrow, type RedisScript } from '../shared/redis';
import type { SeedOutcome, StoreStats } from '../shared/store';
import { insufficientStock, reservationIdReused, reservationNotFound, warehouseNotFound } from './errors';
import { reservationReason, stockChangeTemplate } from './events';
import { buildStockLevel, byId } from './stock';
import {
  ADJUSTMENT_LOG_LIMIT,
  type InventoryStore,
  type Reservation,
  type ReservationOutcome,
  type ReservationRequest,
  type SeedStock,
  type StockAdjustment,
  type StockLevel,
  type Warehouse,
} from './store';

/**
 * Keys (all under `inventory:`):
 * - `inventory:warehouses`          hash   id -> warehouse JSON
 * - `inventory:stock:<productId>`   hash   `<warehouseId>:on_hand`, `<warehouseId>:reserved`
 * - `inventory:reservation:<id>`    string reservation JSON
 * - `inventory:adjustments`         stream audit trail of adjustStock (capped)
 * - `inventory:seeded`              string set once the seed stock is written
 * Events: StockChanged's log (lib/events/log.ts), appended by the scripts that change stock.
 */
const KEY = {
  warehouses: 'inventory:warehouses',
  stock: (productId: string) => `inventory:stock:${productId}`,
  reservation: (id: string) => `inventory:reservation:${id}`,
  adjustments: 'inventory:adjustments',
  seeded: 'inventory:seeded',
};

/**
 * What every stock script starts with: the event log's functions, and the
 * product's totals over every warehouse as stock.ts#buildStockLevel sums them
 * (zeros for a warehouse without counts, available never below zero per warehouse).
 */
const STOCK_EVENTS_LUA = `${APPEND_EVENT_LUA}
local function stockTotals(warehousesKey, stockKey)
  local onHand, reserved, available = 0, 0, 0
  for _, id in ipairs(redis.call('HKEYS', warehousesKey)) do
    local o = tonumber(redis.call('HGET', stockKey, id .. ':on_hand') or '0')
    local r = tonumber(redis.call('HGET', stockKey, id .. ':reserved') or '0')
    onHand = onHand + o
    reserved = reserved + r
    available = available + math.max(0, o - r)
  end
  return onHand, reserved, available
end
-- One StockChanged per allocation, as events.ts#stockChangedByReservation makes them (sign -1: reserved, +1: released).
local function appendAllocationEvents(allocations, sign, template, onHand, reserved, available, stream, horizon, channel, maxLength, maxAgeMs)
  local later = 0
  for _, a in ipairs(allocations) do later = later + a.quantity end
  for i, a in ipairs(allocations) do
    later = later - a.quantity
    local event = cjson.decode(template)
    event.id = string.sub(event.id, 1, 32) .. string.format('%04x', i)
    event.warehouseId = a.warehouseId
    event.delta = sign * a.quantity
    event.onHand = onHand
    event.reserved = reserved + sign * later
    event.available = available - sign * later
    appendEvent(stream, horizon, channel, cjson.encode(event), maxLength, maxAgeMs)
  end
end
`;

/**
 * Moves units in one warehouse unless its available would drop below zero;
 * appends to the audit trail and StockChanged to its log; answers the product's counts and the warehouses.
 * KEYS: warehouses, stock, adjustments, event stream, event horizon.
 * ARGV: warehouseId, delta, reason, productId, log limit, event template, channel, maxLength, maxAgeMs.
 */
const ADJUST_STOCK = `${STOCK_EVENTS_LUA}
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return { 'warehouse_not_found' } end
local onHandField = ARGV[1] .. ':on_hand'
local reservedField = ARGV[1] .. ':reserved'
local onHand = tonumber(redis.call('HGET', KEYS[2], onHandField) or '0')
local reserved = tonumber(redis.call('HGET', KEYS[2], reservedField) or '0')
local delta = tonumber(ARGV[2])
if onHand - reserved + delta < 0 then return { 'insufficient', tostring(onHand - reserved) } end
redis.call('HSET', KEYS[2], onHandField, onHand + delta, reservedField, reserved)
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[5], '*', 'productId', ARGV[4], 'warehouseId', ARGV[1], 'delta', ARGV[2], 'reason', ARGV[3])
local event = cjson.decode(ARGV[6])
event.onHand, event.reserved, event.available = stockTotals(KEYS[1], KEYS[2])
appendEvent(KEYS[4], KEYS[5], ARGV[7], cjson.encode(event), ARGV[8], ARGV[9])
return { 'ok', redis.call('HGETALL', KEYS[2]), redis.call('HGETALL', KEYS[1]) }`;

/**
 * Reserves all or nothing, allocating like stock.ts#allocateGreedily: most
 * available first, ties by warehouse id. An existing reservation is answered
 * as it is (the caller compares product and quantity); a new one with the
 * product's counts and the warehouses after the change, appending one
 * StockChanged per allocation.
 * KEYS: warehouses, stock, reservation, event stream, event horizon.
 * ARGV: productId, quantity, reservationId, createdAt, event template, channel, maxLength, maxAgeMs.
 */
const RESERVE_STOCK = `${STOCK_EVENTS_LUA}
local existing = redis.call('GET', KEYS[3])
if existing then return { 'exists', existing } end
local quantity = tonumber(ARGV[2])
local candidates = {}
local total = 0
for _, id in ipairs(redis.call('HKEYS', KEYS[1])) do
  local onHand = tonumber(redis.call('HGET', KEYS[2], id .. ':on_hand') or '0')
  local reserved = tonumber(redis.call('HGET', KEYS[2], id .. ':reserved') or '0')
  local available = onHand - reserved
  if available > 0 then
    table.insert(candidates, { id = id, available = available, reserved = reserved })
    total = total + available
  end
end
if total < quantity then return { 'insufficient', tostring(total) } end
table.sort(candidates, function(a, b)
  if a.available ~= b.available then return a.available > b.available end
  return a.id < b.id
end)
local allocations = {}
local remaining = quantity
for _, c in ipairs(candidates) do
  if remaining == 0 then break end
  local take = math.min(remaining, c.available)
  redis.call('HSET', KEYS[2], c.id .. ':reserved', c.reserved + take)
  table.insert(allocations, { warehouseId = c.id, quantity = take })
  remaining = remaining - take
end
local reservation = cjson.encode({ id = ARGV[3], productId = ARGV[1], quantity = quantity, status = 'ACTIVE', allocations = allocations, createdAt = ARGV[4] })
redis.call('SET', KEYS[3], reservation)
local onHand, reserved, available = stockTotals(KEYS[1], KEYS[2])
appendAllocationEvents(allocations, -1, ARGV[5], onHand, reserved, available, KEYS[4], KEYS[5], ARGV[6], ARGV[7], ARGV[8])
return { 'created', reservation, redis.call('HGETALL', KEYS[2]), redis.call('HGETALL', KEYS[1]) }`;

/**
 * Returns an ACTIVE reservation's units and marks it RELEASED, answering the
 * product's counts and the warehouses after the change and appending one
 * StockChanged per allocation; a RELEASED one is answered unchanged.
 * KEYS: reservation, stock of its product, warehouses, event stream, event horizon.
 * ARGV: releasedAt, event template, channel, maxLength, maxAgeMs.
 */
const RELEASE_RESERVATION = `${STOCK_EVENTS_LUA}
local json = redis.call('GET', KEYS[1])
if not json then return { 'not_found' } end
local reservation = cjson.decode(json)
if reservation.status ~= 'ACTIVE' then return { 'unchanged', json } end
for _, a in ipairs(reservation.allocations) do
  local field = a.warehouseId .. ':reserved'
  local reserved = tonumber(redis.call('HGET', KEYS[2], field) or '0')
  redis.call('HSET', KEYS[2], field, math.max(0, reserved - a.quantity))
end
reservation.status = 'RELEASED'
reservation.releasedAt = ARGV[1]
json = cjson.encode(reservation)
redis.call('SET', KEYS[1], json)
local onHand, reserved, available = stockTotals(KEYS[3], KEYS[2])
appendAllocationEvents(reservation.allocations, 1, ARGV[2], onHand, reserved, available, KEYS[4], KEYS[5], ARGV[3], ARGV[4], ARGV[5])
return { 'released', json, redis.call('HGETALL', KEYS[2]), redis.call('HGETALL', KEYS[3]) }`;

/** HSET of ARGV (field, value, ...) only when the key does not exist yet. */
const HSET_IF_ABSENT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1`;

/** Inventory in Redis: reads are one round trip per batch, stock changes one Lua script each. */
export class RedisInventoryStore implements InventoryStore {
  readonly kind = 'redis';
  readonly stats: StoreStats = { roundTrips: 0 };
  private readonly adjust: RedisScript<[string, string[]?, string[]?] | [string, string]>;
  private readonly reserve: RedisScript<[string, string, string[]?, string[]?]>;
  private readonly release: RedisScript<[string, string?, string[]?, string[]?]>;
  private readonly hsetIfAbsent: RedisScript<number>;

  constructor(
    private readonly redis: Redis,
    private readonly events: RedisEventScripts = new RedisEventScripts(),
  ) {
    this.adjust = defineScript(redis, 'inventoryAdjustStock', ADJUST_STOCK);
    this.reserve = defineScript(redis, 'inventoryReserveStock', RESERVE_STOCK);
    this.release = defineScript(redis, 'inventoryReleaseReservation', RELEASE_RESERVATION);
    this.hsetIfAbsent = defineScript(redis, 'inventoryHsetIfAbsent', HSET_IF_ABSENT);
  }

  /** The warehouses and every product's counts in one pipeline. */
  async getStockLevels(productIds: readonly string[]): Promise<StockLevel[]> {
    this.stats.roundTrips++;
    const pipeline = this.redis.pipeline().hgetall(KEY.warehouses);
    for (const id of productIds) pipeline.hgetall(KEY.stock(id));
    const [warehouses, ...stock] = (await execOrThrow(pipeline)) as Array<Record<string, string>>;
    const known = parseWarehouses(warehouses);
    return productIds.map((id, i) => stockLevel(id, known, stock[i]));
  }

  async listWarehouses(): Promise<Warehouse[]> {
    this.stats.roundTrips++;
    return parseWarehouses(await this.redis.hgetall(KEY.warehouses));
  }

  async getWarehouses(ids: readonly string[]): Promise<Array<Warehouse | null>> {
    if (ids.length === 0) return [];
    this.stats.roundTrips++;
    const docs = await this.redis.hmget(KEY.warehouses, ...ids);
    return docs.map((doc) => (doc === null ? null : parseWarehouse(doc)));
  }

  async getReservation(id: string): Promise<Reservation | null> {
    this.stats.roundTrips++;
    const json = await this.redis.get(KEY.reservation(id));
    return json === null ? null : parseReservation(json);
  }

  async adjustStock({ productId, warehouseId, delta, reason }: StockAdjustment): Promise<StockLevel> {
    this.stats.roundTrips++;
    const channel = EVENT_CHANNELS.StockChanged;
    const template = stockChangeTemplate(productId, reason, warehouseId, delta);
    const result = await this.adjust(
      [KEY.warehouses, KEY.stock(productId), KEY.adjustments, ...this.events.keys(channel)],
      [warehouseId, delta, reason, productId, ADJUSTMENT_LOG_LIMIT, JSON.stringify(template), channel, ...this.events.retentionArgs()],
    );
    if (result[0] === 'warehouse_not_found') throw warehouseNotFound(warehouseId);
    if (result[0] === 'insufficient') throw insufficientStock(productId, -delta, Number(result[1]), warehouseId);
    this.events.appended(channel, 1);
    const [, stock, warehouses] = result as [string, string[], string[]];
    return stockLevel(productId, parseWarehouses(pairs(warehouses)), pairs(stock));
  }

  async reserveStock({ reservationId, productId, quantity }: ReservationRequest): Promise<ReservationOutcome> {
    this.stats.roundTrips++;
    const channel = EVENT_CHANNELS.StockChanged;
    const template = stockChangeTemplate(productId, reservationReason(reservationId, 'reserved'));
    const [outcome, value, stock, warehouses] = await this.reserve(
      [KEY.warehouses, KEY.stock(productId), KEY.reservation(reservationId), ...this.events.keys(channel)],
      [productId, quantity, reservationId, new Date().toISOString(), JSON.stringify(template), channel, ...this.events.retentionArgs()],
    );
    if (outcome === 'insufficient') throw insufficientStock(productId, quantity, Number(value));
    const reservation = parseReservation(value);
    if (outcome === 'exists' && (reservation.productId !== productId || reservation.quantity !== quantity)) {
      throw reservationIdReused(reservationId, reservation);
    }
    const stockAfter = outcome === 'created' ? stockLevel(productId, parseWarehouses(pairs(warehouses!)), pairs(stock!)) : null;
    if (stockAfter) this.events.appended(channel, reservation.allocations.length);
    return { reservation, stockAfter };
  }

  /** Two round trips: the reservation names the product whose stock key the script must declare. */
  async releaseReservation(reservationId: string): Promise<ReservationOutcome> {
    const existing = await this.getReservation(reservationId);
    if (!existing) throw reservationNotFound(reservationId);
    if (existing.status !== 'ACTIVE') return { reservation: existing, stockAfter: null };
    this.stats.roundTrips++;
    // A reservation's product never changes, so the key read above is still the right one.
    const channel = EVENT_CHANNELS.StockChanged;
    const template = stockChangeTemplate(existing.productId, reservationReason(reservationId, 'released'));
    const [outcome, json, stock, warehouses] = await this.release(
      [KEY.reservation(reservationId), KEY.stock(existing.productId), KEY.warehouses, ...this.events.keys(channel)],
      [new Date().toISOString(), JSON.stringify(template), channel, ...this.events.retentionArgs()],
    );
    if (outcome === 'not_found') throw reservationNotFound(reservationId);
    const reservation = parseReservation(json!);
    // 'unchanged': a concurrent release got there first, and it announces the change.
    const stockAfter = outcome === 'released' ? stockLevel(reservation.productId, parseWarehouses(pairs(warehouses!)), pairs(stock!)) : null;
    if (stockAfter) this.events.appended(channel, reservation.allocations.length);
    return { reservation, stockAfter };
  }

  async ensureWarehouses(warehouses: readonly Warehouse[]): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const warehouse of warehouses) pipeline.hsetnx(KEY.warehouses, warehouse.id, JSON.stringify(warehouse));
    this.stats.roundTrips++;
    await execOrThrow(pipeline);
  }

  /** Only products without a stock hash get one, so stock changed since is kept; the marker skips later starts. */
  async seed(stock: readonly SeedStock[]): Promise<SeedOutcome> {
    this.stats.roundTrips++;
    if ((await this.redis.exists(KEY.seeded)) === 1) return { seeded: false };
    const pipeline = this.redis.pipeline();
    for (const { productId, onHand } of stock) {
      const fields = Object.entries(onHand).flatMap(([warehouseId, units]) => [`${warehouseId}:on_hand`, units, `${warehouseId}:reserved`, 0]);
      if (fields.length > 0) this.hsetIfAbsent.queue(pipeline, [KEY.stock(productId)], fields);
    }
    this.stats.roundTrips++;
    await execOrThrow(pipeline);
    // Written last: a start that failed half-way seeds the rest next time.
    this.stats.roundTrips++;
    await this.redis.set(KEY.seeded, new Date().toISOString());
    return { seeded: true };
  }
}

/** ["k1", "v1", "k2", "v2"] -> { k1: "v1", k2: "v2" } (HGETALL inside Lua answers a flat list). */
function pairs(flat: readonly string[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) record[flat[i]] = flat[i + 1];
  return record;
}

function stockLevel(productId: string, warehouses: readonly Warehouse[], fields: Record<string, string>): StockLevel {
  return buildStockLevel(productId, warehouses, (warehouseId) => {
    const onHand = fields[`${warehouseId}:on_hand`];
    const reserved = fields[`${warehouseId}:reserved`];
    return onHand === undefined && reserved === undefined ? undefined : { onHand: Number(onHand ?? 0), reserved: Number(reserved ?? 0) };
  });
}

function parseWarehouses(hash: Record<string, string>): Warehouse[] {
  return Object.values(hash).map(parseWarehouse).sort(byId);
}

function parseWarehouse(json: string): Warehouse {
  const { id, name, location } = JSON.parse(json) as Warehouse;
  return { id, name, location };
}

function parseReservation(json: string): Reservation {
  const r = JSON.parse(json) as Reservation;
  return {
    id: r.id,
    productId: r.productId,
    quantity: r.quantity,
    status: r.status,
    allocations: r.allocations.map(({ warehouseId, quantity }) => ({ warehouseId, quantity })),
    createdAt: r.createdAt,
    ...(r.releasedAt ? { releasedAt: r.releasedAt } : {}),
  };
}
