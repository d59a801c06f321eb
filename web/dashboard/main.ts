/**
 * The operations dashboard (served by the gateway at /dashboard, bundled by
 * scripts/build-web.ts): sign in with a token; follow stock, payment-status
 * and price events through the public API over graphql-ws (so what shows is
 * what the API lets that token see); chart the gateway's own metrics.
 */
import 'uplot/dist/uPlot.min.css';
import './dashboard.css';
import { h } from './dom';
import { EventFeed } from './feed';
import { LiveConnection, type ConnectionState } from './live';
import { MetricsPanel } from './metrics';
import { forgetSession, signInPanel, storedSession, type Session } from './session';

const { endpoint = '/graphql', metrics = '/dashboard/metrics.json', scope = 'gateway:dashboard', devToken } = document.body.dataset;
const httpEndpoint = new URL(endpoint, location.href).href;
const socketEndpoint = httpEndpoint.replace(/^http/, 'ws');

const connection = h('p', { id: 'connection', 'data-connection': 'signed-out', role: 'status' }, 'Signed out');
const who = h('span', { id: 'who' });
const signOut = h('button', { type: 'button', id: 'sign-out', hidden: '' }, 'Sign out');
const main = h('main', {});
document.body.append(h('header', {}, h('h1', {}, 'Federation gateway · operations'), connection, who, signOut), main);

function showConnection(state: ConnectionState, detail: string): void {
  connection.dataset.connection = state;
  connection.textContent = detail;
}

function start(session: Session): void {
  const feed = new EventFeed();
  const panel = new MetricsPanel(new URL(metrics, location.href).href, scope, (seconds) => feed.receivedWithin(seconds));
  main.replaceChildren(feed.element, panel.element);
  who.textContent = `${session.subject}${session.scopes.length ? ` · ${session.scopes.join(' ')}` : ' · no scopes'}`;
  signOut.hidden = false;
  const live = new LiveConnection({
    url: socketEndpoint,
    token: session.token,
    status: (state, detail) => {
      showConnection(state, detail);
      if (state === 'live') panel.refresh();
    },
  });
  void feed.loadStock(httpEndpoint, session.token);
  feed.follow(live);
  panel.start(session.token);
  signOut.onclick = () => {
    live.close();
    panel.stop();
    forgetSession();
    location.reload();
  };
}

const session = storedSession();
if (session) start(session);
else main.append(signInPanel(devToken, start));
