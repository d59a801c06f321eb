import type { CorpusOperation } from '../corpus';

/** Operations on the shop supergraph (catalog, inventory, reviews, accounts). */
export const SHOP_OPERATIONS: CorpusOperation[] = [
  // Entities, keys and chains
  {
    name: 'a product from the catalog alone, its warranty null',
    covers: ['nullable null'],
    query: `{ product(upc: "p1") { upc sku name category price { amount currency } dimensions { widthMm heightMm weightGrams } tags warranty { months provider } } }`,
  },
  {
    name: 'a product with its stock levels from inventory',
    covers: ['single @key', 'entity chain'],
    query: `{ product(upc: "p2") { name inStock quantity stock { quantity warehouse { code city } } } }`,
  },
  {
    name: "a shipping estimate that requires the catalog's price and weight",
    covers: ['@requires', '@requires nested field', '@external', '@shareable'],
    query: `{ product(upc: "p3") { name shippingEstimate { amount currency } } }`,
  },
  {
    name: 'shipping estimates of a filtered list, price asked too',
    covers: ['@requires', '@requires nested field', 'input objects'],
    query: `{ products(filter: { maxPrice: 5000 }, first: 12) { upc price { amount currency } dimensions { weightGrams } shippingEstimate { amount currency } } }`,
  },
  {
    name: 'shipping estimates of 25 products without asking what they require',
    covers: ['@requires nested field', 'large list'],
    query: `{ products(first: 25) { upc shippingEstimate { amount currency } } }`,
  },
  {
    name: 'a product by sku with its reviews (second key)',
    covers: ['multiple @keys', 'entity chain'],
    query: `{ productBySku(sku: "SKU-008") { upc name reviewCount averageRating reviews { id rating body language } } }`,
  },
  {
    name: 'latest reviews to product by sku to inventory by upc',
    covers: ['multiple @keys', 'entity chain', '@requires'],
    query: `{ latestReviews(first: 10) { id rating product { upc sku name quantity shippingEstimate { amount } } } }`,
  },
  {
    name: 'a review author username provided by the reviews subgraph',
    covers: ['@provides', '@external'],
    query: `{ review(id: "r1") { body author { id username } } }`,
  },
  {
    name: 'a review author with fields beyond the provided ones',
    covers: ['@provides', 'single @key', 'entity chain'],
    query: `{ review(id: "r2") { author { username email tier name { first last } } } }`,
  },
  {
    name: 'a review of a product the catalog no longer has',
    covers: ['entity not found'],
    query: `{ review(id: "r13") { id rating product { sku name } } }`,
  },
  {
    name: 'a review whose author closed their account, account fields asked',
    covers: ['entity not found', 'null propagation'],
    query: `{ review(id: "r21") { id author { id username email } } }`,
  },
  {
    name: 'a review whose author closed their account, provided username only',
    covers: ['@provides'],
    query: `{ review(id: "r21") { id author { id username } } }`,
  },
  {
    name: 'an unknown product is null',
    covers: ['entity resolves to null'],
    query: `{ product(upc: "p999") { name quantity } }`,
  },
  {
    name: 'restock dates of all 40 products, null for those in stock',
    covers: ['large list', 'nullable null'],
    query: `{ products(first: 40) { upc quantity restockDate } }`,
  },
  {
    name: 'delivery notes of 20 products, some failing with and without a code',
    covers: ['errors on list items', 'error with code', 'error without code'],
    query: `{ products(first: 20) { upc deliveryNote } }`,
    expectErrors: true,
  },
  {
    name: 'a delivery note failing with DELIVERY_UNKNOWN',
    covers: ['error with code'],
    query: `{ product(upc: "p4") { name deliveryNote } }`,
    expectErrors: true,
  },
  {
    name: 'a delivery note failing without a code',
    covers: ['error without code'],
    query: `{ product(upc: "p9") { name deliveryNote quantity } }`,
    expectErrors: true,
  },
  {
    name: 'a warranty missing a non-null field comes back null',
    covers: ['null propagation'],
    query: `{ product(upc: "p14") { name warranty { months provider } } }`,
    expectErrors: true,
  },
  {
    name: 'warranties of 16 products: values, nulls and one propagated null',
    covers: ['null propagation', 'nullable null', 'errors on list items'],
    query: `{ products(first: 16) { upc warranty { months provider } } }`,
    expectErrors: true,
  },
  {
    name: 'a product whose non-null inventory field is null becomes null',
    covers: ['null propagation', 'entity chain'],
    query: `{ product(upc: "p17") { name inStock } }`,
    expectErrors: true,
  },
  {
    name: 'a null non-null field in a non-null list nulls the whole data',
    covers: ['null propagation'],
    query: `{ products(first: 20) { upc inStock } }`,
    expectErrors: true,
  },
  {
    name: 'variants resolved in inventory by their compound key',
    covers: ['compound @key', 'entity chain'],
    query: `{ product(upc: "p2") { name variants { productUpc color size available } } }`,
  },
  {
    name: 'variants of every game by compound key',
    covers: ['compound @key', 'enum arguments', 'input objects'],
    query: `{ products(filter: { category: GAMES }, first: 10) { upc variants { color available } } }`,
  },
  {
    name: 'bundles as nested lists of products with inventory fields',
    covers: ['nested lists of entities', 'single @key'],
    query: `{ bundles { upc name quantity inStock } }`,
  },
  {
    name: 'bundles with review counts and shipping estimates',
    covers: ['nested lists of entities', 'multiple @keys', '@requires'],
    query: `{ bundles { sku reviewCount averageRating shippingEstimate { amount currency } } }`,
  },
  {
    name: 'a warehouse to stocked products to reviews to their authors',
    covers: ['entity chain', 'large list', 'deep nesting'],
    query: `{ warehouse(code: "AMS") { city stockedProducts { name reviews(minRating: 5) { rating author { username tier } } } } }`,
  },
  {
    name: 'every warehouse with every stocked product and its price',
    covers: ['large list', 'entity chain'],
    query: `{ warehouses { code city stockedProducts { upc price { amount currency } } } }`,
  },
  {
    name: 'low stock with the argument default',
    covers: ['entity chain', 'nullable null'],
    query: `{ lowStock { upc name quantity restockDate } }`,
  },
  {
    name: 'low stock threshold from a variable left to its default',
    covers: ['variable defaults'],
    query: `query LowStock($threshold: Int = 5) { lowStock(threshold: $threshold) { upc quantity } }`,
  },
  {
    name: 'low stock threshold from a variable given a value',
    covers: ['variable defaults'],
    query: `query LowStock($threshold: Int = 5) { lowStock(threshold: $threshold) { upc quantity } }`,
    variables: { threshold: 2 },
  },
  {
    name: 'a curator referenced by email, the second key of User',
    covers: ['multiple @keys', 'entity chain'],
    query: `{ product(upc: "p3") { name curator { email username tier } } }`,
  },
  {
    name: 'a curator whose account is gone',
    covers: ['entity not found'],
    query: `{ product(upc: "p10") { name curator { email username } } }`,
  },
  {
    name: 'my wishlist through catalog and inventory',
    covers: ['entity chain', '@requires'],
    query: `{ me { username wishlist { name quantity shippingEstimate { amount currency } } } }`,
  },
  {
    name: 'users of one tier',
    covers: ['enum arguments'],
    query: `{ users(tier: PRO) { id username name { first last } } }`,
  },
  {
    name: 'a user without a name',
    covers: ['nullable null'],
    query: `{ user(id: "u5") { username name { first last } } }`,
  },
  {
    name: 'a user by email with reviews and reviewed products',
    covers: ['multiple @keys', 'entity chain'],
    query: `{ userByEmail(email: "user3@shop.test") { id reviews { id rating product { name category } } } }`,
  },
  {
    name: 'an unknown user is null',
    covers: ['entity resolves to null'],
    query: `{ user(id: "u404") { username } userByEmail(email: "nobody@shop.test") { id } }`,
  },
  {
    name: 'all 40 products across every subgraph',
    covers: ['large list', 'entity chain', 'multiple @keys'],
    query: `{ products(first: 40) { upc sku name quantity shippingEstimate { amount } reviewCount averageRating } }`,
  },
  {
    name: 'related products three levels deep with reviews',
    covers: ['deep nesting', 'entity chain'],
    query: `{ product(upc: "p1") { name related { name related(first: 1) { name related { upc quantity reviews { rating author { username } } } } } } }`,
  },
  // Aliases and arguments
  {
    name: 'the products field aliased with different filters and sorts',
    covers: ['aliases', 'aliases with different arguments', 'enum arguments', 'input objects'],
    query: `{
      cheap: products(filter: { maxPrice: 2000 }, first: 3) { upc price { amount } }
      pricey: products(sortBy: PRICE, order: DESC, first: 3) { upc price { amount } }
      books: products(filter: { category: BOOKS }) { name }
      byName: products(sortBy: NAME, first: 4) { name }
    }`,
  },
  {
    name: 'aliases on entity fields from several subgraphs',
    covers: ['aliases', 'aliases with different arguments', '@requires'],
    query: `{ product(upc: "p6") { id: upc title: name units: quantity ship: shippingEstimate { cents: amount } good: reviews(minRating: 4) { rating } all: reviews { rating } } }`,
  },
  {
    name: 'the same root field aliased for three products',
    covers: ['aliases', 'aliases with different arguments', 'multiple @keys'],
    query: `{ a: product(upc: "p1") { name } b: product(upc: "p2") { name quantity } c: productBySku(sku: "SKU-003") { upc reviewCount } }`,
  },
  // Fragments
  {
    name: 'named fragments spanning catalog and inventory',
    covers: ['named fragments'],
    query: `
      query Cards { products(first: 5) { ...ProductCard } }
      fragment ProductCard on Product { upc name price { ...Price } quantity shippingEstimate { ...Price } }
      fragment Price on Money { amount currency }
    `,
  },
  {
    name: 'nested named fragments through reviews to authors',
    covers: ['named fragments', 'entity chain'],
    query: `
      { product(upc: "p8") { name reviews { ...ReviewLine } } }
      fragment ReviewLine on Review { rating language author { ...Author } }
      fragment Author on User { username tier }
    `,
  },
  {
    name: 'named fragments of one type split by a field keep the query order',
    covers: ['named fragments'],
    query: `
      { product(upc: "p2") { ...Title quantity ...Codes } }
      fragment Title on Product { name }
      fragment Codes on Product { sku upc }
    `,
  },
  {
    name: 'inline fragments with and without a type condition',
    covers: ['inline fragments', '@include'],
    query: `{ product(upc: "p2") { ... on Product { name } ... { quantity } ... @include(if: true) { sku } ... on Product { price { ... on Money { amount } } } } }`,
    apolloQuirk: {
      reason: 'merges the second `... on Product` into the first, so `price` comes before `quantity` and `sku`',
      data: '{"product":{"name":"Deluxe Drill","quantity":1,"sku":"SKU-002","price":{"amount":2973}}}',
    },
  },
  {
    name: 'untyped inline fragments split by a field',
    covers: ['inline fragments'],
    query: `{ product(upc: "p2") { ... { name } quantity ... { sku } } }`,
    apolloQuirk: {
      reason: 'merges the second untyped fragment into the first, so `sku` comes before `quantity`',
      data: '{"product":{"name":"Deluxe Drill","quantity":1,"sku":"SKU-002"}}',
    },
  },
  // __typename
  {
    name: '__typename at every level, root included',
    covers: ['__typename', 'root __typename'],
    query: `{ __typename product(upc: "p2") { __typename price { __typename amount } stock { __typename warehouse { __typename code } } reviews { __typename author { __typename username } } } }`,
  },
  {
    name: 'only __typename of entities owned by other subgraphs',
    covers: ['__typename'],
    query: `{ latestReviews(first: 3) { product { __typename } author { __typename } } }`,
  },
  {
    name: 'root __typename alone',
    covers: ['root __typename'],
    query: `{ __typename }`,
  },
  // @skip and @include
  {
    name: '@skip and @include with literals',
    covers: ['@skip', '@include'],
    query: `{ product(upc: "p2") { name @skip(if: true) sku @skip(if: false) quantity @include(if: false) price @include(if: true) { amount } } }`,
  },
  {
    name: '@include and @skip from variables, stock in and reviews out',
    covers: ['@skip', '@include', 'directive variables'],
    query: `query ($withStock: Boolean!, $noReviews: Boolean!) { product(upc: "p5") { name quantity @include(if: $withStock) reviews @skip(if: $noReviews) { rating } } }`,
    variables: { withStock: true, noReviews: true },
  },
  {
    name: '@include and @skip from variables, stock out and reviews in',
    covers: ['@skip', '@include', 'directive variables'],
    query: `query ($withStock: Boolean!, $noReviews: Boolean!) { product(upc: "p5") { name quantity @include(if: $withStock) reviews @skip(if: $noReviews) { rating } } }`,
    variables: { withStock: false, noReviews: false },
  },
  {
    name: '@include on a fragment spread from a variable default',
    covers: ['@include', 'directive variables', 'variable defaults', 'named fragments'],
    query: `
      query ($details: Boolean = true) { products(first: 3) { name ...Stock @include(if: $details) } }
      fragment Stock on Product { quantity stock { warehouse { city } } }
    `,
  },
  {
    name: '@skip on an inline fragment removes a whole subgraph fetch',
    covers: ['@skip', 'directive variables', 'inline fragments'],
    query: `query ($skipShipping: Boolean!) { products(first: 3) { name ... @skip(if: $skipShipping) { shippingEstimate { amount } } } }`,
    variables: { skipShipping: true },
  },
  {
    name: '@skip on an inline fragment keeping the subgraph fetch',
    covers: ['@skip', 'directive variables', 'inline fragments', '@requires'],
    query: `query ($skipShipping: Boolean!) { products(first: 3) { name ... @skip(if: $skipShipping) { shippingEstimate { amount } } } }`,
    variables: { skipShipping: false },
  },
  // Variables
  {
    name: 'input object and enum variables',
    covers: ['input objects', 'enum arguments'],
    query: `query ($filter: ProductFilter!, $sortBy: ProductSort, $order: SortOrder) { products(filter: $filter, sortBy: $sortBy, order: $order) { name price { amount } } }`,
    variables: { filter: { category: 'TOOLS', maxPrice: 8000 }, sortBy: 'PRICE', order: 'DESC' },
  },
  {
    name: 'an input object variable with explicit nulls',
    covers: ['input objects'],
    query: `query ($filter: ProductFilter) { products(filter: $filter, first: 20) { upc tags } }`,
    variables: { filter: { tag: 'gift', category: null, maxPrice: null } },
  },
  {
    name: 'reviews by language through the provided author',
    covers: ['@provides', 'enum arguments'],
    query: `{ latestReviews(first: 8) { id language author { username } } }`,
  },
  {
    name: 'the operation picked by operationName',
    covers: ['single @key'],
    query: `query Mine { me { id } } query Everyone { users { id wishlist { upc quantity } } }`,
    operationName: 'Everyone',
  },
  // Mutations
  {
    name: 'a mutation upserting a review, then reading across subgraphs',
    covers: ['mutation', 'input objects', 'entity chain'],
    query: `mutation { upsertReview(input: { id: "r100", productSku: "SKU-004", authorId: "u2", rating: 5, body: "Perfect" }) { id rating language author { username email } product { name quantity } } }`,
  },
  {
    name: 'a mutation replacing a wishlist from variables',
    covers: ['mutation', 'entity chain'],
    query: `mutation ($userId: ID!, $upcs: [ID!]!) { setWishlist(userId: $userId, upcs: $upcs) { username wishlist { upc name inStock } } }`,
    variables: { userId: 'u2', upcs: ['p3', 'p1', 'p3', 'p22'] },
  },
  {
    name: 'a mutation quoting a cart from its input only',
    covers: ['mutation', 'input objects', '@requires'],
    query: `mutation { quoteCart(lines: [{ upc: "p1", quantity: 2 }, { upc: "p7" }]) { totalQuantity lines { quantity product { name price { amount } shippingEstimate { amount } } } } }`,
  },
  {
    name: 'two mutations in one operation run in order',
    covers: ['mutation', 'aliases'],
    query: `mutation { first: setWishlist(userId: "u3", upcs: ["p1"]) { wishlist { upc } } second: setWishlist(userId: "u3", upcs: ["p2", "p3"]) { wishlist { upc name } } }`,
  },
  {
    name: 'a mutation with root __typename',
    covers: ['mutation', 'root __typename', '__typename'],
    query: `mutation { __typename quoteCart(lines: []) { __typename totalQuantity lines { quantity } } }`,
  },
  {
    name: 'a mutation taking a list variable left to its default',
    covers: ['mutation', 'variable defaults', 'input objects'],
    query: `mutation Quote($lines: [CartLineInput!]! = [{ upc: "p3", quantity: 4 }, { upc: "p12" }]) { quoteCart(lines: $lines) { totalQuantity lines { quantity product { upc name quantity } } } }`,
  },
  {
    name: 'a mutation for an unknown user answers null',
    covers: ['mutation', 'entity resolves to null'],
    query: `mutation { setWishlist(userId: "u404", upcs: ["p1"]) { id } }`,
  },
  // Introspection
  {
    name: '__type of an entity',
    covers: ['introspection'],
    query: `{ __type(name: "Product") { name kind fields { name type { kind name ofType { kind name } } } } }`,
  },
  {
    name: '__type of an enum, an input and an unknown type',
    covers: ['introspection', 'aliases'],
    query: `{ category: __type(name: "Category") { kind enumValues { name } } filter: __type(name: "ProductFilter") { kind inputFields { name defaultValue type { name } } } missing: __type(name: "Nope") { name } }`,
  },
  {
    name: '__type beside data from subgraphs',
    covers: ['introspection'],
    query: `{ __type(name: "Money") { fields { name } } product(upc: "p1") { name quantity } }`,
  },
];
