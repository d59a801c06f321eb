import { h } from './dom';

/** What the page knows about the token it was given (decoded for display only: the gateway verifies it). */
export interface Session {
  token: string;
  subject: string;
  scopes: string[];
}

const STORAGE_KEY = 'gateway-dashboard-token';

export function sessionOf(token: string): Session {
  const claims = decodeClaims(token);
  const scope = typeof claims.scope === 'string' ? claims.scope : Array.isArray(claims.scp) ? claims.scp.join(' ') : '';
  return { token, subject: typeof claims.sub === 'string' ? claims.sub : '(no subject)', scopes: scope.split(' ').filter(Boolean) };
}

function decodeClaims(token: string): Record<string, unknown> {
  try {
    const payload = token.split('.')[1] ?? '';
    return JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** The token of this tab (sessionStorage: it goes when the tab does), if one was given. */
export function storedSession(): Session | undefined {
  const token = sessionStorage.getItem(STORAGE_KEY);
  return token ? sessionOf(token) : undefined;
}

export function forgetSession(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}

/**
 * The sign-in panel: paste a token; in development (the gateway says where
 * its dev-token endpoint is) buttons mint an operator's or a customer's.
 */
export function signInPanel(devTokenUrl: string | undefined, signedIn: (session: Session) => void): HTMLElement {
  const input = h('textarea', { id: 'token-input', rows: '3', placeholder: 'Paste a JWT (npm run -s token -- --sub ops --scopes "gateway:dashboard payments:read:all")', spellcheck: 'false' });
  const error = h('p', { class: 'error', id: 'sign-in-error', role: 'alert' });
  const signIn = (token: string) => {
    const trimmed = token.trim().replace(/^Bearer\s+/i, '');
    if (trimmed.split('.').length !== 3) {
      error.textContent = 'That is not a JWT (three dot-separated parts).';
      return;
    }
    sessionStorage.setItem(STORAGE_KEY, trimmed);
    signedIn(sessionOf(trimmed));
  };
  const submit = h('button', { type: 'submit', id: 'sign-in' }, 'Sign in');
  const form = h('form', { class: 'sign-in' }, h('label', { for: 'token-input' }, 'Token'), input, submit, error);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    signIn(input.value);
  });
  const panel = h('section', { class: 'panel sign-in-panel' }, h('h2', {}, 'Sign in'), form);
  if (devTokenUrl) {
    const customer = h('input', { id: 'dev-customer', value: 'c-001', size: '8', 'aria-label': 'Customer id' });
    const mint = async (body: Record<string, string>) => {
      error.textContent = '';
      const res = await fetch(devTokenUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!res.ok) {
        error.textContent = `Could not mint a development token (${res.status})`;
        return;
      }
      signIn(((await res.json()) as { token: string }).token);
    };
    const operator = h('button', { type: 'button', id: 'dev-operator' }, 'Operator token');
    operator.addEventListener('click', () => void mint({ role: 'operator' }));
    const asCustomer = h('button', { type: 'button', id: 'dev-customer-token' }, 'Customer token');
    asCustomer.addEventListener('click', () => void mint({ role: 'customer', subject: customer.value }));
    panel.append(h('div', { class: 'dev-tokens' }, h('span', {}, 'Development:'), operator, asCustomer, customer));
  }
  return panel;
}
