/**
 * Options over their documented defaults. Every limit is a positive number:
 * a limit cannot be switched off by accident with 0 or a typo.
 */
export function withDefaults<T extends Record<string, number>>(defaults: T, options: Partial<T>, component: string): T {
  const limits = { ...defaults };
  for (const key of Object.keys(defaults) as Array<keyof T>) {
    const value = options[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new Error(`${component}: ${String(key)} must be a positive number (got ${String(value)})`);
    }
    limits[key] = value;
  }
  return limits;
}
