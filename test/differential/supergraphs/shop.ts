import { GraphQLError } from 'graphql';
import type { SubgraphDefinition } from '../corpus';

/**
 * A shop: a catalog of 40 products (keyed by upc and by sku), their stock in
 * three warehouses, reviews, and user accounts. Every value is derived from
 * the product's or user's number, so the data is the same on every start.
 */

const CATEGORIES = ['BOOKS', 'GAMES', 'TOOLS', 'GARDEN'] as const;
const ADJECTIVES = ['Classic', 'Compact', 'Deluxe', 'Rugged', 'Silent', 'Smart', 'Solar', 'Vintage'];
const NOUNS: Record<(typeof CATEGORIES)[number], string[]> = {
  BOOKS: ['Atlas', 'Cookbook', 'Novel', 'Field Guide'],
  GAMES: ['Chess Set', 'Puzzle', 'Card Game', 'Board Game'],
  TOOLS: ['Drill', 'Hammer', 'Wrench', 'Saw'],
  GARDEN: ['Shovel', 'Planter', 'Hose', 'Rake'],
};
export const PRODUCT_COUNT = 40;
const WAREHOUSES = [
  { code: 'AMS', city: 'Amsterdam' },
  { code: 'BER', city: 'Berlin' },
  { code: 'MAD', city: 'Madrid' },
];
const USERS = [
  { id: 'u1', username: 'ada', first: 'Ada', last: 'Lovelace', tier: 'PRO' },
  { id: 'u2', username: 'alan', first: 'Alan', last: 'Turing', tier: 'PLUS' },
  { id: 'u3', username: 'grace', first: 'Grace', last: 'Hopper', tier: 'FREE' },
  { id: 'u4', username: 'edsger', first: 'Edsger', last: 'Dijkstra', tier: 'PLUS' },
  { id: 'u5', username: 'anonymous5', first: null, last: null, tier: 'FREE' },
  { id: 'u6', username: 'barbara', first: 'Barbara', last: 'Liskov', tier: 'PRO' },
  { id: 'u7', username: 'donald', first: 'Donald', last: 'Knuth', tier: 'FREE' },
  { id: 'u8', username: 'margaret', first: 'Margaret', last: 'Hamilton', tier: 'PLUS' },
];

const numberOf = (upc: string) => Number(upc.slice(1));
const skuOf = (n: number) => `SKU-${String(n).padStart(3, '0')}`;
const emailOf = (userId: string) => `${userId.replace('u', 'user')}@shop.test`;

interface CatalogProduct {
  upc: string;
  sku: string;
  name: string;
  category: string;
  price: { amount: number; currency: string };
  dimensions: { widthMm: number; heightMm: number; weightGrams: number };
  tags: string[];
  position: number;
}

function catalogProduct(n: number): CatalogProduct {
  const category = CATEGORIES[n % 4];
  return {
    upc: `p${n}`,
    sku: skuOf(n),
    name: `${ADJECTIVES[n % 8]} ${NOUNS[category][(n >> 2) % 4]}`,
    category,
    price: { amount: 499 + ((n * 1237) % 9500), currency: n % 5 === 0 ? 'USD' : 'EUR' },
    dimensions: { widthMm: 80 + ((n * 37) % 400), heightMm: 20 + ((n * 53) % 300), weightGrams: 150 + ((n * 211) % 4800) },
    tags: [category.toLowerCase(), ...(n % 3 === 0 ? ['gift'] : []), ...(n % 4 === 1 ? ['sale'] : [])],
    position: n,
  };
}

const catalog: SubgraphDefinition = {
  name: 'catalog',
  typeDefs: `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])

    enum Category { BOOKS GAMES TOOLS GARDEN }
    enum SortOrder { ASC DESC }
    enum ProductSort { POSITION PRICE NAME }

    type Money @shareable { amount: Int! currency: String! }
    type Dimensions @shareable { widthMm: Int! heightMm: Int! weightGrams: Int! }
    type Warranty { months: Int! provider: String! }

    type Product @key(fields: "upc") @key(fields: "sku") {
      upc: ID!
      sku: String!
      name: String!
      category: Category!
      price: Money!
      dimensions: Dimensions!
      tags: [String!]!
      "Null for odd products; p14's provider forgot the months, a non-null field."
      warranty: Warranty
      related(first: Int = 2): [Product!]!
      variants: [Variant!]!
      "Referenced by email; the curator of every tenth product has closed their account."
      curator: User
    }

    type Variant @key(fields: "productUpc color") {
      productUpc: ID!
      color: String!
      size: String
    }

    type User @key(fields: "email", resolvable: false) {
      email: String!
    }

    input ProductFilter { category: Category maxPrice: Int tag: String }

    type Query {
      product(upc: ID!): Product
      productBySku(sku: String!): Product
      products(filter: ProductFilter, sortBy: ProductSort = POSITION, order: SortOrder = ASC, first: Int = 10): [Product!]!
      "Products sold together, as a list of lists."
      bundles: [[Product!]!]!
    }
  `,
  createResolvers() {
    const products = Array.from({ length: PRODUCT_COUNT }, (_, i) => catalogProduct(i + 1));
    const byUpc = new Map(products.map((p) => [p.upc, p]));
    const bySku = new Map(products.map((p) => [p.sku, p]));
    return {
      Query: {
        product: (_: unknown, { upc }: { upc: string }) => byUpc.get(upc) ?? null,
        productBySku: (_: unknown, { sku }: { sku: string }) => bySku.get(sku) ?? null,
        products: (
          _: unknown,
          args: { filter?: { category?: string; maxPrice?: number; tag?: string }; sortBy: string; order: string; first: number },
        ) => {
          const { filter = {}, sortBy, order, first } = args;
          const key = (p: CatalogProduct): number | string => (sortBy === 'PRICE' ? p.price.amount : sortBy === 'NAME' ? p.name : p.position);
          return products
            .filter((p) => (filter.category == null || p.category === filter.category) && (filter.maxPrice == null || p.price.amount <= filter.maxPrice) && (filter.tag == null || p.tags.includes(filter.tag)))
            .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.position - b.position) * (order === 'DESC' ? -1 : 1))
            .slice(0, first);
        },
        bundles: () => [['p1', 'p2'], ['p3'], [], ['p5', 'p8', 'p13', 'p21']].map((upcs) => upcs.map((upc) => byUpc.get(upc))),
      },
      Product: {
        __resolveReference: (ref: { upc?: string; sku?: string }) => (ref.upc !== undefined ? byUpc.get(ref.upc) : bySku.get(ref.sku!)) ?? null,
        warranty: (p: CatalogProduct) => {
          const n = p.position;
          if (n % 2 === 1) return null;
          if (n === 14) return { months: null, provider: 'Unknown Ltd' };
          return { months: 12 * (1 + (n % 3)), provider: n % 4 === 0 ? 'Acme Care' : 'ShopCover' };
        },
        related: (p: CatalogProduct, { first }: { first: number }) =>
          [0, 6, 13].map((step) => byUpc.get(`p${((p.position + step) % PRODUCT_COUNT) + 1}`)).slice(0, first),
        variants: (p: CatalogProduct) =>
          p.position % 3 === 0
            ? []
            : [
                { productUpc: p.upc, color: 'red', size: 'M' },
                { productUpc: p.upc, color: 'blue', size: null },
                ...(p.position % 2 === 0 ? [{ productUpc: p.upc, color: 'green', size: 'XL' }] : []),
              ],
        curator: (p: CatalogProduct) => ({ email: p.position % 10 === 0 ? 'former-curator@shop.test' : emailOf(`u${(p.position % 8) + 1}`) }),
      },
      Variant: {
        __resolveReference: (ref: { productUpc: string; color: string }) => ({ ...ref, size: ref.color === 'blue' ? null : 'M' }),
      },
    };
  },
};

/** Units in stock; multiples of 13 are sold out. */
const quantityOf = (n: number) => (n * 7) % 13;

const inventory: SubgraphDefinition = {
  name: 'inventory',
  typeDefs: `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@external", "@requires", "@shareable"])

    type Money @shareable { amount: Int! currency: String! }
    type Dimensions @shareable { widthMm: Int! heightMm: Int! weightGrams: Int! }

    type Product @key(fields: "upc") {
      upc: ID!
      price: Money! @external
      dimensions: Dimensions! @external
      "p17's stock system answers null for it, a non-null field."
      inStock: Boolean!
      quantity: Int!
      stock: [StockLevel!]!
      restockDate: String
      "Free above 50.00, else by weight: needs the catalog's price and weight."
      shippingEstimate: Money @requires(fields: "price { amount currency } dimensions { weightGrams }")
      "Fails with DELIVERY_UNKNOWN for products ending in 4 and without a code for products ending in 9."
      deliveryNote: String
    }

    type StockLevel { warehouse: Warehouse! quantity: Int! }

    type Warehouse @key(fields: "code") {
      code: ID!
      city: String!
      stockedProducts: [Product!]!
    }

    type Variant @key(fields: "productUpc color") {
      productUpc: ID!
      color: String!
      available: Int!
    }

    type Query {
      warehouses: [Warehouse!]!
      warehouse(code: ID!): Warehouse
      lowStock(threshold: Int = 3): [Product!]!
    }
  `,
  createResolvers() {
    const stockOf = (n: number) =>
      WAREHOUSES.filter((_, w) => (n + w) % 3 !== 0).map((warehouse, w, held) => ({
        warehouse,
        quantity: Math.floor(quantityOf(n) / held.length) + (w === 0 ? quantityOf(n) % held.length : 0),
      }));
    const all = Array.from({ length: PRODUCT_COUNT }, (_, i) => ({ upc: `p${i + 1}` }));
    return {
      Query: {
        warehouses: () => WAREHOUSES,
        warehouse: (_: unknown, { code }: { code: string }) => WAREHOUSES.find((w) => w.code === code) ?? null,
        lowStock: (_: unknown, { threshold }: { threshold: number }) => all.filter(({ upc }) => quantityOf(numberOf(upc)) < threshold),
      },
      Product: {
        __resolveReference: (ref: { upc: string; price?: unknown; dimensions?: unknown }) => ref,
        inStock: ({ upc }: { upc: string }) => (upc === 'p17' ? null : quantityOf(numberOf(upc)) > 0),
        quantity: ({ upc }: { upc: string }) => quantityOf(numberOf(upc)),
        stock: ({ upc }: { upc: string }) => stockOf(numberOf(upc)),
        restockDate: ({ upc }: { upc: string }) => (quantityOf(numberOf(upc)) === 0 ? `2027-0${(numberOf(upc) % 9) + 1}-15` : null),
        shippingEstimate: ({ price, dimensions }: { price: { amount: number; currency: string }; dimensions: { weightGrams: number } }) => ({
          amount: price.amount >= 5000 ? 0 : 299 + Math.ceil(dimensions.weightGrams / 500) * 100,
          currency: price.currency,
        }),
        deliveryNote: ({ upc }: { upc: string }) => {
          const n = numberOf(upc);
          if (n % 10 === 4) throw new GraphQLError(`No courier delivers ${upc} this week`, { extensions: { code: 'DELIVERY_UNKNOWN' } });
          if (n % 10 === 9) throw new Error(`Courier lookup failed for ${upc}`);
          return `Ships in ${1 + (n % 4)} days`;
        },
      },
      Warehouse: {
        __resolveReference: ({ code }: { code: string }) => WAREHOUSES.find((w) => w.code === code) ?? null,
        stockedProducts: ({ code }: { code: string }) =>
          all.filter(({ upc }) => stockOf(numberOf(upc)).some((s) => s.warehouse.code === code && s.quantity > 0)),
      },
      Variant: {
        __resolveReference: (ref: { productUpc: string; color: string }) => ref,
        available: ({ productUpc, color }: { productUpc: string; color: string }) => (numberOf(productUpc) * color.length) % 6,
      },
    };
  },
};

interface StoredReview {
  id: string;
  rating: number;
  body: string;
  language: string;
  productSku: string;
  authorId: string;
}

const reviews: SubgraphDefinition = {
  name: 'reviews',
  typeDefs: `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@external", "@provides"])

    enum Language { EN NL DE }

    type Review @key(fields: "id") {
      id: ID!
      rating: Int!
      body: String!
      language: Language!
      "r21's author closed their account; their username is kept here."
      author: User @provides(fields: "username")
      "r13 reviews a product the catalog no longer has."
      product: Product
    }

    type User @key(fields: "id") {
      id: ID!
      username: String! @external
      reviews: [Review!]!
    }

    type Product @key(fields: "sku") {
      sku: String!
      reviews(minRating: Int = 1): [Review!]!
      reviewCount: Int!
      averageRating: Float
    }

    input ReviewInput {
      id: ID!
      productSku: String!
      authorId: ID!
      rating: Int!
      body: String!
      language: Language = EN
    }

    type Query {
      review(id: ID!): Review
      latestReviews(first: Int = 5): [Review!]!
    }

    type Mutation {
      "Creates or replaces the review with this id: sending it twice answers the same."
      upsertReview(input: ReviewInput!): Review!
    }
  `,
  createResolvers() {
    const stored = new Map<string, StoredReview>();
    for (let i = 1; i <= 60; i++) {
      stored.set(`r${i}`, {
        id: `r${i}`,
        rating: ((i * 3) % 5) + 1,
        body: `Review ${i}: ${['solid', 'disappointing', 'great value', 'as described', 'would buy again'][i % 5]}`,
        language: ['EN', 'NL', 'DE'][i % 3],
        productSku: i === 13 ? 'SKU-999' : skuOf(((i * 7) % PRODUCT_COUNT) + 1),
        authorId: i === 21 ? 'u99' : `u${(i % 8) + 1}`,
      });
    }
    const usernameOf = (id: string) => USERS.find((u) => u.id === id)?.username ?? 'former-member';
    const ofProduct = (sku: string) => [...stored.values()].filter((r) => r.productSku === sku);
    return {
      Query: {
        review: (_: unknown, { id }: { id: string }) => stored.get(id) ?? null,
        latestReviews: (_: unknown, { first }: { first: number }) => [...stored.values()].reverse().slice(0, first),
      },
      Mutation: {
        upsertReview: (_: unknown, { input }: { input: Omit<StoredReview, 'language'> & { language: string } }) => {
          const review = { ...input };
          stored.set(review.id, review);
          return review;
        },
      },
      Review: {
        __resolveReference: ({ id }: { id: string }) => stored.get(id) ?? null,
        author: (r: StoredReview) => ({ id: r.authorId, username: usernameOf(r.authorId) }),
        product: (r: StoredReview) => ({ sku: r.productSku }),
      },
      User: {
        __resolveReference: ({ id }: { id: string }) => ({ id }),
        reviews: ({ id }: { id: string }) => [...stored.values()].filter((r) => r.authorId === id),
      },
      Product: {
        __resolveReference: ({ sku }: { sku: string }) => ({ sku }),
        reviews: ({ sku }: { sku: string }, { minRating }: { minRating: number }) => ofProduct(sku).filter((r) => r.rating >= minRating),
        reviewCount: ({ sku }: { sku: string }) => ofProduct(sku).length,
        averageRating: ({ sku }: { sku: string }) => {
          const ratings = ofProduct(sku).map((r) => r.rating);
          return ratings.length === 0 ? null : Math.round((ratings.reduce((a, b) => a + b, 0) / ratings.length) * 100) / 100;
        },
      },
    };
  },
};

interface StoredUser {
  id: string;
  email: string;
  username: string;
  name: { first: string; last: string } | null;
  tier: string;
  wishlist: string[];
}

const accounts: SubgraphDefinition = {
  name: 'accounts',
  typeDefs: `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])

    enum Tier { FREE PLUS PRO }

    type User @key(fields: "id") @key(fields: "email") {
      id: ID!
      email: String!
      username: String! @shareable
      "Null for u5, who never gave one."
      name: PersonName
      tier: Tier!
      wishlist: [Product!]!
    }

    type PersonName { first: String! last: String! }

    type Product @key(fields: "upc", resolvable: false) { upc: ID! }

    type CartLine { product: Product! quantity: Int! }
    type Quote { lines: [CartLine!]! totalQuantity: Int! }
    input CartLineInput { upc: ID! quantity: Int = 1 }

    type Query {
      me: User
      user(id: ID!): User
      userByEmail(email: String!): User
      users(tier: Tier): [User!]!
    }

    type Mutation {
      "Replaces the wishlist (set semantics: duplicates dropped, order kept)."
      setWishlist(userId: ID!, upcs: [ID!]!): User
      "Answers from its input only."
      quoteCart(lines: [CartLineInput!]!): Quote!
    }
  `,
  createResolvers() {
    const users: StoredUser[] = USERS.map((u, i) => ({
      id: u.id,
      email: emailOf(u.id),
      username: u.username,
      name: u.first === null ? null : { first: u.first, last: u.last! },
      tier: u.tier,
      wishlist: [`p${i + 2}`, `p${(i * 5) % PRODUCT_COUNT + 1}`, `p${40 - i}`],
    }));
    const find = (ref: { id?: string; email?: string }) => users.find((u) => (ref.id !== undefined ? u.id === ref.id : u.email === ref.email)) ?? null;
    return {
      Query: {
        me: () => users[0],
        user: (_: unknown, { id }: { id: string }) => find({ id }),
        userByEmail: (_: unknown, { email }: { email: string }) => find({ email }),
        users: (_: unknown, { tier }: { tier?: string }) => users.filter((u) => tier == null || u.tier === tier),
      },
      Mutation: {
        setWishlist: (_: unknown, { userId, upcs }: { userId: string; upcs: string[] }) => {
          const user = find({ id: userId });
          if (user) user.wishlist = [...new Set(upcs)];
          return user;
        },
        quoteCart: (_: unknown, { lines }: { lines: Array<{ upc: string; quantity: number }> }) => ({
          lines: lines.map(({ upc, quantity }) => ({ product: { upc }, quantity })),
          totalQuantity: lines.reduce((sum, l) => sum + l.quantity, 0),
        }),
      },
      User: {
        __resolveReference: (ref: { id?: string; email?: string }) => find(ref),
        wishlist: (u: StoredUser) => u.wishlist.map((upc) => ({ upc })),
      },
    };
  },
};

export const SHOP_SUBGRAPHS = [catalog, inventory, reviews, accounts];
