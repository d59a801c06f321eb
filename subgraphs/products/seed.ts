import { createSeededRandom } from '../shared/random';
import { productId, type Product } from './store';

/** How many products the seed has: `p-0001` ... `p-1000`. */
export const SEED_PRODUCT_COUNT = 1_000;
const SEED = 0x5eed_0001;

/** The categories of the seed catalogue, with what they sell and their price range in minor units. */
export const SEED_CATEGORIES = {
  books: { code: 'BOK', nouns: ['Novel', 'Cookbook', 'Atlas', 'Biography', 'Field Guide', 'Poetry Collection'], price: [899, 4_999] },
  electronics: { code: 'ELE', nouns: ['Headphones', 'Charger', 'Speaker', 'Keyboard', 'Webcam', 'Power Bank'], price: [1_999, 49_999] },
  home: { code: 'HOM', nouns: ['Lamp', 'Throw Blanket', 'Vase', 'Wall Clock', 'Cushion', 'Storage Box'], price: [1_499, 19_999] },
  kitchen: { code: 'KIT', nouns: ['Chef Knife', 'Skillet', 'Kettle', 'Cutting Board', 'Mixing Bowl', 'French Press'], price: [999, 24_999] },
  garden: { code: 'GAR', nouns: ['Trowel', 'Hose', 'Planter', 'Pruning Shears', 'Bird Feeder', 'Watering Can'], price: [799, 14_999] },
  toys: { code: 'TOY', nouns: ['Puzzle', 'Building Set', 'Plush Bear', 'Kite', 'Board Game', 'Train Set'], price: [599, 12_999] },
  sports: { code: 'SPO', nouns: ['Yoga Mat', 'Water Bottle', 'Tennis Racket', 'Football', 'Jump Rope', 'Dumbbell'], price: [999, 29_999] },
  clothing: { code: 'CLO', nouns: ['T-Shirt', 'Hoodie', 'Rain Jacket', 'Wool Socks', 'Scarf', 'Cap'], price: [1_299, 17_999] },
  beauty: { code: 'BEA', nouns: ['Face Cream', 'Shampoo', 'Lip Balm', 'Hand Soap', 'Perfume', 'Hair Brush'], price: [499, 9_999] },
  office: { code: 'OFF', nouns: ['Notebook', 'Fountain Pen', 'Desk Organizer', 'Stapler', 'Desk Mat', 'Planner'], price: [399, 7_999] },
} as const;
export type SeedCategory = keyof typeof SEED_CATEGORIES;

const ADJECTIVES = ['Classic', 'Compact', 'Deluxe', 'Eco', 'Everyday', 'Handmade', 'Lightweight', 'Modern', 'Premium', 'Rustic', 'Smart', 'Vintage'];
const COLOURS = ['Black', 'White', 'Slate', 'Olive', 'Navy', 'Sand', 'Coral', 'Teal'];

/**
 * The seed catalogue: always the same 1,000 products (seeded PRNG), ids
 * `p-0001` ... `p-1000`, skus like `ELE-0002`, ten categories, prices in
 * minor units, about three in four in USD and the rest in EUR.
 */
export function generateSeedProducts(count: number = SEED_PRODUCT_COUNT): Product[] {
  const random = createSeededRandom(SEED);
  const categories = Object.keys(SEED_CATEGORIES) as SeedCategory[];
  const products: Product[] = [];
  for (let seq = 1; seq <= count; seq++) {
    const category = random.pick(categories);
    const spec = SEED_CATEGORIES[category];
    const noun = random.pick(spec.nouns);
    const adjective = random.pick(ADJECTIVES);
    const colour = random.pick(COLOURS);
    // Prices end in 99, like a shop's.
    const amount = Math.floor(random.int(spec.price[0], spec.price[1]) / 100) * 100 + 99;
    products.push({
      id: productId(seq),
      seq,
      sku: `${spec.code}-${String(seq).padStart(4, '0')}`,
      name: `${adjective} ${noun}`,
      description: `${adjective} ${noun.toLowerCase()} in ${colour.toLowerCase()}, from our ${category} range.`,
      category,
      price: { amount, currency: random.chance(0.75) ? 'USD' : 'EUR' },
    });
  }
  return products;
}
