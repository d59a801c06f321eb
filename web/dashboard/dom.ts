/** A tiny element builder: the dashboard needs no framework. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | undefined> = {},
  ...children: Array<Node | string | undefined>
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) if (value !== undefined) element.setAttribute(name, value);
  for (const child of children) if (child !== undefined) element.append(child);
  return element;
}

/** Money in minor units, e.g. { amount: 18499, currency: "USD" } → "USD 184.99". */
export function money(value: { amount: number; currency: string } | null | undefined): string {
  if (!value) return '—';
  return `${value.currency} ${(value.amount / 100).toFixed(2)}`;
}

export function clock(at: Date = new Date()): string {
  return at.toLocaleTimeString([], { hour12: false });
}
