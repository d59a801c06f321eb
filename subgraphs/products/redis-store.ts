import type Redis from 'ioredis';
import type { Money } from '../shared/money';
import type { Page } from '../shared/pagination';
import { RAISE_COUNTER_LUA, SEQ_PAGE_LUA, defineScript, execOrThrow, readSeqPage, type RedisScript } from '../shared/redis';
import type { SeedOutcome, StoreStats } from '../shared/store';
import { productNotFound, skuAlreadyExists } from './errors';
import type { NewProduct, PriceUpdate, Product, ProductListQuery, ProductStore } from './store';

/**
 * Keys (all under `products:`):
 * - `products:product`            hash  id -> product JSON
 * - `products:sku`                hash  sku -> id (uniqueness)
 * - `products:catalogue`          zset  id scored by seq (catalogue order)
 * - `products:category:<name>`    zset  id scored by seq, per category
 * - `products:seq`                string last assigned seq
 * - `products:seeded`             string set once the seed data is written
 */
const KEY = {
  product: 'products:product',
  sku: 'products:sku',
  catalogue: 'products:catalogue',
  category: (name: string) => `products:category:${name}`,
  seq: 'products:seq',
  seeded: 'products:seeded',
};

/** Checks the sku, takes the next seq and writes the product and its indexes, atomically. */
const CREATE_PRODUCT = `
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
return { 'ok', json }`;

/** Sets the price; answers the product after and the price before. KEYS: products. ARGV: id, amount, currency. */
const UPDATE_PRICE = `
local json = redis.call('HGET', KEYS[1], ARGV[1])
if not json then return { 'not_found' } end
local product = cjson.decode(json)
local previous = cjson.encode(product.price)
product.price = { amount = tonumber(ARGV[2]), currency = ARGV[3] }
json = cjson.encode(product)
redis.call('HSET', KEYS[1], ARGV[1], json)
return { 'ok', json, previous }`;

/** Products in Redis. Every method is one round trip, except seeding. */
export class RedisProductStore implements ProductStore {
  readonly kind = 'redis';
  readonly stats: StoreStats = { roundTrips: 0 };
  private readonly listPage: RedisScript<Array<number | string | null>>;
  private readonly create: RedisScript<string[]>;
  private readonly updatePrice: RedisScript<string[]>;
  private readonly raiseCounter: RedisScript<number>;

  constructor(private readonly redis: Redis) {
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
    const [outcome, json] = await this.create(
      [KEY.sku, KEY.seq, KEY.product, KEY.catalogue, KEY.category(product.category)],
      [product.sku, JSON.stringify(product)],
    );
    if (outcome === 'sku_exists') throw skuAlreadyExists(product.sku);
    return parseProduct(json);
  }

  async updateProductPrice(id: string, price: Money): Promise<PriceUpdate> {
    this.stats.roundTrips++;
    const [outcome, json, previous] = await this.updatePrice([KEY.product], [id, price.amount, price.currency]);
    if (outcome === 'not_found') throw productNotFound(id);
    const { amount, currency } = JSON.parse(previous) as Money;
    return { product: parseProduct(json), previousPrice: { amount, currency } };
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
