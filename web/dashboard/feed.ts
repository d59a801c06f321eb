import { clock, h, money } from './dom';
import type { LiveConnection } from './live';

type Money = { amount: number; currency: string };
interface WarehouseLevel {
  warehouse: { id: string; name: string };
  onHand: number;
  reserved: number;
  available: number;
}
interface ProductView {
  id: string;
  name: string;
  price: Money;
  stock: { available: number; warehouses: WarehouseLevel[] } | null;
}

const PRODUCT_FIELDS = 'id name price { amount currency } stock { available warehouses { warehouse { id name } onHand reserved available } }';

/** The three domain events, each enriched through the federated plan (the gateway resolves `product` and `payment`). */
export const STOCK_CHANGED = `subscription DashboardStock { stockChanged { id occurredAt productId warehouseId delta onHand reserved available reason product { ${PRODUCT_FIELDS} } } }`;
export const PAYMENT_STATUS_CHANGED = `subscription DashboardPayments { paymentStatusChanged { id occurredAt paymentId customerId from to payment { amount { amount currency } items { quantity product { name } } } } }`;
export const PRICE_CHANGED = `subscription DashboardPrices { priceChanged { id occurredAt productId oldPrice { amount currency } newPrice { amount currency } product { id name stock { available } } } }`;
/** The stock table's first rows, before any event. */
export const INITIAL_STOCK = `query DashboardStockLevels { products(first: 8) { nodes { ${PRODUCT_FIELDS} } } }`;

interface StockChanged {
  stockChanged: { id: string; productId: string; warehouseId: string | null; delta: number; available: number; reason: string; product: ProductView };
}
interface PaymentStatusChanged {
  paymentStatusChanged: { id: string; paymentId: string; customerId: string; from: string; to: string; payment: { amount: Money; items: Array<{ quantity: number; product: { name: string } }> } | null };
}
interface PriceChanged {
  priceChanged: { id: string; productId: string; oldPrice: Money; newPrice: Money; product: { id: string; name: string; stock: { available: number } | null } };
}

const MAX_FEED_ITEMS = 100;

/**
 * The live feed (newest first, at most 100 items) and the per-warehouse stock
 * table, whose rows (one per product and warehouse) are updated in place.
 */
export class EventFeed {
  readonly element: HTMLElement;
  private readonly list = h('ol', { id: 'event-feed', class: 'feed', 'aria-live': 'polite' });
  private readonly notes = h('div', { class: 'notes', id: 'feed-notes' });
  private readonly stockBody = h('tbody', { id: 'stock-rows' });
  private readonly rows = new Map<string, HTMLTableRowElement>();
  private readonly arrivals: number[] = [];

  constructor() {
    this.element = h(
      'div',
      { class: 'feed-area' },
      h('section', { class: 'panel' }, h('h2', {}, 'Live events'), this.notes, this.list),
      h(
        'section',
        { class: 'panel' },
        h('h2', {}, 'Stock per warehouse'),
        h(
          'div',
          { class: 'table-scroll' },
          h('table', { id: 'stock-table' }, h('thead', {}, h('tr', {}, h('th', {}, 'Product'), h('th', {}, 'Warehouse'), h('th', {}, 'On hand'), h('th', {}, 'Reserved'), h('th', {}, 'Available'), h('th', {}, 'Price'))), this.stockBody),
        ),
      ),
    );
  }

  /** Events this page received in the last `seconds` seconds. */
  receivedWithin(seconds: number): number {
    const since = performance.now() - seconds * 1000;
    while (this.arrivals.length > 0 && this.arrivals[0] < since) this.arrivals.shift();
    return this.arrivals.length;
  }

  async loadStock(endpoint: string, token: string): Promise<void> {
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: INITIAL_STOCK }),
    });
    const body = (await res.json()) as { data?: { products: { nodes: ProductView[] } } };
    for (const product of body.data?.products.nodes ?? []) this.showStock(product);
  }

  follow(live: LiveConnection): void {
    live.subscribe<StockChanged>('stock', {
      query: STOCK_CHANGED,
      next: ({ stockChanged: e }, eventId) => {
        this.showStock(e.product, e.warehouseId ?? undefined);
        const sign = e.delta > 0 ? `+${e.delta}` : String(e.delta);
        this.add('stock', eventId ?? e.id, `${e.product.name}`, `${e.warehouseId ?? 'all warehouses'} ${sign} (${e.reason}) · available ${e.available} · ${money(e.product.price)}`);
      },
      refused: (message) => this.note('stock', message),
    });
    live.subscribe<PaymentStatusChanged>('payments', {
      query: PAYMENT_STATUS_CHANGED,
      next: ({ paymentStatusChanged: e }, eventId) => {
        const items = e.payment?.items.map((item) => `${item.quantity}× ${item.product.name}`).join(', ') ?? '';
        this.add('payment', eventId ?? e.id, `Payment ${e.paymentId}`, `${e.from} → ${e.to} · customer ${e.customerId} · ${money(e.payment?.amount)}${items ? ` · ${items}` : ''}`, e.customerId);
      },
      refused: (message) => this.note('payments', message),
    });
    live.subscribe<PriceChanged>('prices', {
      query: PRICE_CHANGED,
      next: ({ priceChanged: e }, eventId) => {
        for (const [key, row] of this.rows) if (key.startsWith(`${e.productId} `)) row.cells[5].textContent = money(e.newPrice);
        this.add('price', eventId ?? e.id, e.product.name, `${money(e.oldPrice)} → ${money(e.newPrice)} · available ${e.product.stock?.available ?? '—'}`);
      },
      refused: (message) => this.note('prices', message),
    });
  }

  private note(kind: string, message: string): void {
    let line = this.notes.querySelector<HTMLElement>(`[data-kind="${kind}"]`);
    if (!line) this.notes.append((line = h('p', { class: 'note', 'data-kind': kind })));
    line.textContent = `${kind}: ${message}`;
  }

  private add(kind: 'stock' | 'payment' | 'price', id: string, title: string, detail: string, customerId?: string): void {
    this.arrivals.push(performance.now());
    const item = h(
      'li',
      { class: `event ${kind}`, 'data-kind': kind, 'data-event-id': id, 'data-customer': customerId },
      h('time', {}, clock()),
      h('span', { class: 'kind' }, kind),
      h('strong', {}, title),
      h('span', { class: 'detail' }, detail),
    );
    this.list.prepend(item);
    while (this.list.children.length > MAX_FEED_ITEMS) this.list.lastElementChild!.remove();
  }

  /** Updates the product's rows in place (creating missing ones); `changed` marks the warehouse the event moved. */
  private showStock(product: ProductView, changed?: string): void {
    for (const level of product.stock?.warehouses ?? []) {
      const key = `${product.id} ${level.warehouse.id}`;
      let row = this.rows.get(key);
      if (!row) {
        row = h('tr', { 'data-product': product.id, 'data-warehouse': level.warehouse.id }, h('td'), h('td'), h('td', { class: 'n' }), h('td', { class: 'n' }), h('td', { class: 'n' }), h('td', { class: 'n' }));
        this.rows.set(key, row);
        this.stockBody.append(row);
      }
      const values = [product.name, level.warehouse.name, String(level.onHand), String(level.reserved), String(level.available), money(product.price)];
      values.forEach((value, i) => {
        if (row!.cells[i].textContent !== value) row!.cells[i].textContent = value;
      });
      if (changed === level.warehouse.id) {
        row.classList.remove('changed');
        void row.offsetWidth; // restart the highlight animation
        row.classList.add('changed');
      }
    }
  }
}
