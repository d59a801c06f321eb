import { InProcessEventLog } from '../../lib/events/memory-log';
import type { EventAppender } from '../shared/event-log';
import type { Money } from '../shared/money';
import { GroupedSeqIndex, SeqIndex, type Page } from '../shared/pagination';
import type { SeedOutcome, StoreStats } from '../shared/store';
import { productNotFound, skuAlreadyExists } from './errors';
import { priceChanged, productCreated } from './events';
import { productId, type NewProduct, type PriceUpdate, type Product, type ProductListQuery, type ProductStore } from './store';

/**
 * Products in this process. Methods check, write and append their events
 * without awaiting in between, so concurrent requests cannot interleave
 * inside one of them and no change is made without its event.
 */
export class MemoryProductStore implements ProductStore {
  readonly kind = 'memory';
  readonly stats: StoreStats = { roundTrips: 0 };
  private readonly byId = new Map<string, Product>();
  private readonly idBySku = new Map<string, string>();
  private readonly catalogue = new SeqIndex<Product>();
  private readonly byCategory = new GroupedSeqIndex<Product>();
  private lastSeq = 0;
  private seeded = false;

  constructor(private readonly events: EventAppender = new InProcessEventLog()) {}

  async getProducts(ids: readonly string[]): Promise<Array<Product | null>> {
    this.stats.roundTrips++;
    return ids.map((id) => this.byId.get(id) ?? null);
  }

  async listProducts({ first, afterSeq, category }: ProductListQuery): Promise<Page<Product>> {
    this.stats.roundTrips++;
    const index = category === undefined ? this.catalogue : this.byCategory.peek(category);
    return index ? index.page({ first, afterSeq }) : { nodes: [], hasNextPage: false, totalCount: 0 };
  }

  async createProduct(product: NewProduct): Promise<Product> {
    this.stats.roundTrips++;
    if (this.idBySku.has(product.sku)) throw skuAlreadyExists(product.sku);
    const seq = this.lastSeq + 1;
    const created = { id: productId(seq), seq, ...product };
    this.insert(created);
    this.events.appendNow([productCreated(created)]);
    return created;
  }

  async updateProductPrice(id: string, price: Money): Promise<PriceUpdate> {
    this.stats.roundTrips++;
    const existing = this.byId.get(id);
    if (!existing) throw productNotFound(id);
    // Replace rather than mutate: a product handed out earlier stays a consistent snapshot.
    const updated = { ...existing, price: { ...price } };
    this.replace(updated);
    const changed = priceChanged(updated, existing.price);
    if (changed) this.events.appendNow([changed]);
    return { product: updated, previousPrice: { ...existing.price } };
  }

  async seed(products: readonly Product[]): Promise<SeedOutcome> {
    this.stats.roundTrips++;
    if (this.seeded) return { seeded: false };
    for (const product of [...products].sort((a, b) => a.seq - b.seq)) {
      if (!this.byId.has(product.id) && !this.idBySku.has(product.sku)) this.insert(product);
    }
    this.seeded = true;
    return { seeded: true };
  }

  private insert(product: Product): void {
    this.byId.set(product.id, product);
    this.idBySku.set(product.sku, product.id);
    this.catalogue.insert(product);
    this.byCategory.of(product.category).insert(product);
    this.lastSeq = Math.max(this.lastSeq, product.seq);
  }

  private replace(product: Product): void {
    this.byId.set(product.id, product);
    this.catalogue.replace(product);
    this.byCategory.of(product.category).replace(product);
  }
}
