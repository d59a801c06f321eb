/** An amount in minor units (cents for USD and EUR) and its ISO 4217 currency code. */
export interface Money {
  amount: number;
  currency: string;
}

// Node's ICU knows the current ISO 4217 list; the pattern is the fallback for a build without it.
const ISO_CURRENCIES: ReadonlySet<string> | undefined =
  typeof Intl.supportedValuesOf === 'function' ? new Set(Intl.supportedValuesOf('currency')) : undefined;

/** True for an active ISO 4217 code such as USD or EUR (three capital letters). */
export function isCurrencyCode(value: string): boolean {
  return /^[A-Z]{3}$/.test(value) && (ISO_CURRENCIES === undefined || ISO_CURRENCIES.has(value));
}
