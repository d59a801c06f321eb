/**
 * The GraphQL IDE the gateway serves to browsers on GET /graphql: GraphiQL,
 * bundled by our build (scripts/build-web.ts), nothing loaded from a CDN.
 * Queries and mutations go over HTTP (multipart/mixed for @defer),
 * subscriptions over graphql-ws on the same path; the headers editor's
 * headers go with both (as the WebSocket's connection_init payload, where the
 * gateway reads `authorization`).
 */
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import { createRoot } from 'react-dom/client';
import 'graphiql/style.css';
import './monaco-workers';

const endpoint = new URL(document.body.dataset.endpoint ?? '/graphql', location.href);
const socket = new URL(endpoint);
socket.protocol = endpoint.protocol === 'https:' ? 'wss:' : 'ws:';

const fetcher = createGraphiQLFetcher({ url: endpoint.href, subscriptionUrl: socket.href });

const DEFAULT_QUERY = `# GraphQL IDE of the federation gateway: queries and mutations over HTTP,
# subscriptions over graphql-ws, @defer streamed. Put a token in Headers,
#   { "authorization": "Bearer <token>" }
# e.g. one printed by: npm run -s token -- --sub ops --scopes inventory:write

query Products {
  products(first: 5) {
    nodes { id name price { amount currency } stock { available } }
  }
}
`;

createRoot(document.getElementById('graphiql')!).render(
  <GraphiQL fetcher={fetcher} defaultQuery={DEFAULT_QUERY} isHeadersEditorEnabled shouldPersistHeaders={false} defaultEditorToolsVisibility="headers" />,
);
