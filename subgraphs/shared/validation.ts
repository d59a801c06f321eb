import { badUserInput } from './errors';
import { isCurrencyCode, type Money } from './money';

/** Connections return between 1 and this many nodes per page. */
export const MAX_PAGE_SIZE = 100;

/** `first` of a connection: an integer from 1 to MAX_PAGE_SIZE. */
export function validatePageSize(first: number, argument = 'first'): number {
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw badUserInput(argument, `${argument} must be between 1 and ${MAX_PAGE_SIZE} (got ${first})`);
  }
  return first;
}

/** A required string: trimmed, non-empty, at most `maxLength` characters. */
export function requireText(value: string, argument: string, maxLength: number): string {
  const text = value.trim();
  if (text === '') throw badUserInput(argument, `${argument} must not be empty`);
  if (text.length > maxLength) throw badUserInput(argument, `${argument} must be at most ${maxLength} characters (got ${text.length})`);
  return text;
}

/**
 * Money from client input: an integer amount in minor units (positive, or
 * zero when `allowZero`) and an ISO 4217 currency code.
 */
export function validateMoney(input: Money, argument: string, { allowZero }: { allowZero: boolean }): Money {
  const { amount, currency } = input;
  if (!Number.isSafeInteger(amount) || amount < 0 || (!allowZero && amount === 0)) {
    throw badUserInput(`${argument}.amount`, `${argument}.amount must be ${allowZero ? 'zero or positive' : 'positive'} minor units (got ${amount})`);
  }
  if (!isCurrencyCode(currency)) {
    throw badUserInput(`${argument}.currency`, `${argument}.currency must be an ISO 4217 code such as USD or EUR (got "${currency}")`);
  }
  return { amount, currency };
}
