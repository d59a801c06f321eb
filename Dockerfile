# One image for every service of docker-compose.yml; each service picks its
# command (a subgraph's or the gateway's main.js).

# --- build: compile TypeScript and compose the supergraph ---------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY lib ./lib
COPY gateway ./gateway
COPY subgraphs ./subgraphs
COPY scripts ./scripts
COPY bench ./bench
COPY schemas ./schemas
# The browser bundles (GraphiQL, the dashboard) are built from web/ into dist/web by `npm run build`.
COPY web ./web
# The supergraph baked into the image routes to the compose service names.
ENV SUBGRAPH_PRODUCTS_URL=http://products:4001/graphql \
    SUBGRAPH_INVENTORY_URL=http://inventory:4002/graphql \
    SUBGRAPH_PAYMENTS_URL=http://payments:4003/graphql
# `npm run compose` builds first (its precompose step), then writes ./supergraph.graphql.
RUN npm run compose

# --- runtime: production dependencies, compiled code, schemas, supergraph -----
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY --from=build /app/supergraph.graphql ./supergraph.graphql
COPY schemas ./schemas
ENV SUPERGRAPH_PATH=/app/supergraph.graphql
# The image's unprivileged user; the application files stay root-owned and read-only to it.
USER node
EXPOSE 4000 4001 4002 4003
CMD ["node", "dist/gateway/src/main.js"]
