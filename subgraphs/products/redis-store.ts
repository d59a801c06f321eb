import type Redis from 'ioredis';
import { EVENT_CHANNELS } from '../../lib/events/catalogue';
import { APPEND_EVENT_LUA } from '../../lib/events/log';
import { RedisEventScripts } from '../shared/event-log';
import type { Money } from '../shared/money';
import type { Page } from '../shared/pagination';
import { RAISE_COUNTER_LUA, SEQ_PAGE_LUA, defineScript, execOrThrow, readSeqPage, type RedisScript } from '../shared/redis';
import type { SeedOutcome, StoreStats } from '../shared/store';
import { productNotFound, skuAlreadyExists } from './errors';
import { priceChangeTemplate, productCreated } from './events';
import type { NewProduct, PriceUpdate, Product, ProductListQuery, ProductStore } from './store';

/**
 * Keys (all under `products:`):
 * - `products:product`            hash  id -> product JSON
 * - `products:sku`                hash  sku -> id (uniqueness)
 * - `products:catalogue`          zset  id scored by seq (catalogue order)
 * - `products:category:<name>`    zset  id scored by seq, per category
 * - `products:seq`                string last assigned seq
 * - `products:seeded`             string set once the seed data is written
 * Events: the logs of their channels (lib/events/log.ts), appended by the scripts that make the changes.
 */
const KEY = {
  product: 'products:product',
  sku: 'products:sku',
  catalogue: 'products:catalogue',
  category: (name: string) => `products:category:${name}`,
  seq: 'products:seq',
  seeded: 'products:seeded',
};

/**
 * Checks the sku, takes the next seq and writes the product and its indexes,
 * and appends ProductCreated (the template completed with the new id), atomically.
 * KEYS: sku, seq, products, catalogue, category, event stream, event horizon.
 * ARGV: sku, product JSON, event template, channel, maxLength, maxAgeMs.
 */
const CREATE_PRODUCT = `${APPEND_EVENT_LUA}
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return { 'sku_exists' } end
local seq = redis.call('INCR', KEYS[2])
local product = cjson.decode(ARGV[2])
product.id = string.format('p-%04d', seq)
product.seq = seq
local json = cjson.encode(product)
redis.call('HSET', KEYS[1], ARGV[1], product.id)
redis.call('HSET', KEYS[3], product.id, json)
redis.call('ZADD', KEYS[4], seq, product.id)
redis.call('ZADD', KEYS[5], seq, product.id)
local event = cjson.decode(ARGV[3])
event.productId = product.id
event.entity.id = product.id
appendEvent(KEYS[6], KEYS[7], ARGV[4], cjson.encode(event), ARGV[5], ARGV[6])
return { 'ok', json }`;

/**
 * Sets the price and, when it changed, appends PriceChanged (the template
 * completed with the old price); answers the product after and the price before.
 * KEYS: products, event stream, event horizon. ARGV: id, amount, currency, event template, channel, maxLength, maxAgeMs.
 */
const UPDATE_PRICE = `${APPEND_EVENT_LUA}
local json = redis.call('HGET', KEYS[1], ARGV[1])
if not json then return { 'not_found' } end
local product = cjson.decode(json)
local previous = product.price
product.price = { amount = tonumber(ARGV[2]), currency = ARGV[3] }
json = cjson.encode(product)
redis.call('HSET', KEYS[1], ARGV[1], json)
local appended = 0
if previous.amount ~= product.price.amount or previous.currency ~= product.price.currency then
  local event = cjson.decode(ARGV[4])
  event.oldPrice = { amount = previous.amount, currency = previous.currency }
  appendEvent(KEYS[2], KEYS[3], ARGV[5], cjson.encode(event), ARGV[6], ARGV[7])
  appended = 1
end
return { 'ok', json, cjson.encode(previous), appended }`;

/** Products in Redis. Every method is one round trip, except seeding. */
export class RedisProductStore implements ProductStore {
  readonly kind = 'redis';
  readonly stats: StoreStats = { roundTrips: 0 };
  private readonly listPage: RedisScript<Array<number | string | null>>;
  private readonly create: RedisScript<string[]>;
  private readonly updatePrice: RedisScript<[string, string?, string?, number?]>;
  private readonly raiseCounter: RedisScript<number>;

  constructor(
    private readonly redis: Redis,
    private readonly events: RedisEventScripts = new RedisEventScripts(),
  ) {
    this.listPage = defineScript(redis, 'productsListPage', SEQ_PAGE_LUA);
    this.create = defineScript(redis, 'productsCreate', CREATE_PRODUCT);
    this.updatePrice = defineScript(redis, 'productsUpdatePrice', UPDATE_PRICE);
    this.raiseCounter = defineScript(redis, 'productsRaiseCounter', RAISE_COUNTER_LUA);
  }

  async getProducts(ids: readonly string[]): Promise<Array<Product | null>> {
    if (ids.length === 0) return [];
    this.stats.roundTrips++;
    const docs = await this.redis.hmget(KEY.product, ...ids);
    return docs.map((doc) => (doc === null ? null : parseProduct(doc)));
  }

  async listProducts({ first, afterSeq, category }: ProductListQuery): Promise<Page<Product>> {
    this.stats.roundTrips++;
    const index = category === undefined ? KEY.catalogue : KEY.category(category);
    return readSeqPage(this.listPage, { index, documents: KEY.product }, { first, afterSeq, newestFirst: false }, parseProduct);
  }

  async createProduct(product: NewProduct): Promise<Product> {
    this.stats.roundTrips++;
    const channel = EVENT_CHANNELS.ProductCreated;
    const template = productCreated({ ...product, id: '', seq: 0 });
    const [outcome, json] = await this.create(
      [KEY.sku, KEY.seq, KEY.product, KEY.catalogue, KEY.category(product.category), ...this.events.keys(channel)],
      [product.sku, JSON.stringify(product), JSON.stringify(template), channel, ...this.events.retentionArgs()],
    );
    if (outcome === 'sku_exists') throw skuAlreadyExists(product.sku);
    this.events.appended(channel, 1);
    return parseProduct(json);
  }

  async updateProductPrice(id: string, price: Money): Promise<PriceUpdate> {
    this.stats.roundTrips++;
    const channel = EVENT_CHANNELS.PriceChanged;
    const [outcome, json, previous, appended] = await this.updatePrice(
      [KEY.product, ...this.events.keys(channel)],
      [id, price.amount, price.currency, JSON.stringify(priceChangeTemplate(id, price)), channel, ...this.events.retentionArgs()],
    );
    if (outcome === 'not_found') throw productNotFound(id);
    this.events.appended(channel, Number(appended));
    const { amount, currency } = JSON.parse(previous!) as Money;
    return { product: parseProduct(json!), previousPrice: { amount, currency } };
  }

  /**
   * Writes only what is missing (HSETNX, ZADD NX), so a product changed since
   * is never overwritten and two replicas starting together do no harm; the
   * marker written last skips the work on later starts.
   */
  async seed(products: readonly Product[]): Promise<SeedOutcome> {
    this.stats.roundTrips++;
    if ((await this.redis.exists(KEY.seeded)) === 1) return { seeded: false };
    const pipeline = this.redis.pipeline();
    for (const product of products) {
      pipeline.hsetnx(KEY.product, product.id, JSON.stringify(product));
      pipeline.hsetnx(KEY.sku, product.sku, product.id);
      pipeline.zadd(KEY.catalogue, 'NX', product.seq, product.id);
      pipeline.zadd(KEY.category(product.category), 'NX', product.seq, product.id);
    }
    this.raiseCounter.queue(pipeline, [KEY.seq], [Math.max(0, ...products.map((p) => p.seq))]);
    this.stats.roundTrips++;
    await execOrThrow(pipeline);
    // Written last: a start that failed half-way seeds the rest next time.
    this.stats.roundTrips++;
    await this.redis.set(KEY.seeded, new Date().toISOString());
    return { seeded: true };
  }
}

function parseProduct(json: string): Product {
  const { id, seq, sku, name, description, category, price } = JSON.parse(json) as Product;
  return { id, seq, sku, name, description, category, price: { amount: price.amount, currency: price.currency } };
}
