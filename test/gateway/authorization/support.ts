import { apiSchemaOf, composeSupergraph } from '../../support/compose-inline';
import { execute, parse, print, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import {
  Authorizer,
  applyDenials,
  readAccessPolicy,
  type AccessPolicy,
  type AuthorizationOutcome,
  type AuthorizerOptions,
  type Caller,
} from '../../../gateway/src/auth/authorization';

export const FEDERATION_LINK =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@authenticated", "@requiresScopes"])';


/** The shop every specification queries. Requirements are on fields, object types, a scalar and an enum. */
export const SHOP_SDL = `
  ${FEDERATION_LINK}

  type Query {
    products: [Product!]!
    me: User @authenticated
    viewer: Viewer!
    payments: PaymentConnection @requiresScopes(scopes: [["read:payments"]])
    search(term: String!): [SearchResult!]!
    nodes: [Node]
    reports: [Report!]
    ssn: Ssn
    level: Level
    vault: Vault
    grid: [[Cell!]]
    greeting(name: String): String
  }

  type Product @key(fields: "id") {
    id: ID!
    name: String!
    cost: Float @requiresScopes(scopes: [["read:cost"]])
    supplierEmail: String @requiresScopes(scopes: [["read:suppliers", "read:emails"], ["admin"]])
  }

  type User @key(fields: "id") {
    id: ID!
    name: String
    email: String @requiresScopes(scopes: [["read:email"], ["admin"]])
  }

  type Viewer {
    id: ID!
    token: String! @authenticated
    session: Session
  }

  type Session {
    id: ID!
    secret: String! @authenticated
  }

  type PaymentConnection {
    nodes: [Payment!]!
  }

  type Payment {
    id: ID!
    amount: Float!
    customerId: ID @requiresScopes(scopes: [["read:customers"]])
  }

  union SearchResult = Book | Video

  type Book @authenticated {
    id: ID!
    title: String
  }

  type Video {
    id: ID!
    title: String
  }

  interface Node {
    id: ID!
  }

  type Account implements Node @key(fields: "id") {
    id: ID!
    owner: String
    balance: Float @requiresScopes(scopes: [["read:balance"]])
    statement: Statement
  }

  type Statement {
    period: String
    fees: Float @requiresScopes(scopes: [["read:fees"]])
  }

  type Shelf implements Node @key(fields: "id") {
    id: ID!
    label: String
  }

  type Report @requiresScopes(scopes: [["read:reports"]]) {
    id: ID!
  }

  scalar Ssn @authenticated

  enum Level @requiresScopes(scopes: [["read:level"]]) {
    LOW
    HIGH
  }

  type Vault {
    gold: Int @authenticated
    silver: Int @authenticated
  }

  type Cell {
    value: Int
    secret: Int @authenticated
  }
`;

export const shopSupergraph = composeSupergraph({ shop: SHOP_SDL });
export const shopSchema = apiSchemaOf(shopSupergraph);
export const shopPolicy: AccessPolicy = readAccessPolicy(shopSupergraph, shopSchema);

/** What the subgraph would answer; graphql-js resolves abstract types by `__typename`. */
export const SHOP_DATA = {
  products: [
    { id: 'p1', name: 'Lamp', cost: 12.5, supplierEmail: 'lamps@example.com' },
    { id: 'p2', name: 'Desk', cost: 80, supplierEmail: 'desks@example.com' },
  ],
  me: { id: 'u1', name: 'Ada', email: 'ada@example.com' },
  viewer: { id: 'v1', token: 'tok', session: { id: 's1', secret: 'shh' } },
  payments: {
    nodes: [
      { id: 'pay1', amount: 10, customerId: 'c1' },
      { id: 'pay2', amount: 20, customerId: 'c2' },
    ],
  },
  search: [
    { __typename: 'Video', id: 'vid1', title: 'Intro' },
    { __typename: 'Book', id: 'b1', title: 'Manual' },
  ],
  nodes: [
    { __typename: 'Account', id: 'a1', owner: 'Ada', balance: 100, statement: { period: '2024-05', fees: 3 } },
    { __typename: 'Shelf', id: 'sh1', label: 'Top' },
  ],
  reports: [{ id: 'r1' }],
  ssn: '123-45-6789',
  level: 'HIGH',
  vault: { gold: 1, silver: 2 },
  grid: [[{ value: 1, secret: 11 }, { value: 2, secret: 12 }], [{ value: 3, secret: 13 }]],
  greeting: ({ name }: { name?: string }) => `hello ${name ?? 'you'}`,
};

export const anonymous: Caller = { authenticated: false, scopes: new Set() };

export function signedIn(...scopes: string[]): Caller {
  return { authenticated: true, scopes: new Set(scopes) };
}

/**
 * Authorizes a query and checks what every outcome must satisfy: the filtered
 * document is valid against the API schema.
 */
export function authorize(
  authorizer: Authorizer,
  query: string | DocumentNode,
  caller: Caller,
  operationName?: string,
): AuthorizationOutcome {
  const document = typeof query === 'string' ? parse(query) : query;
  const outcome = authorizer.authorize(document, operationName, caller);
  expect(validate(shopSchema, outcome.document)).toEqual([]);
  return outcome;
}

/** Executes what the gateway would: the filtered document, then applyDenials against the original. */
export async function respond(
  authorizer: Authorizer,
  query: string,
  caller: Caller,
  operationName?: string,
  data: object = SHOP_DATA,
) {
  const document = parse(query);
  const outcome = authorize(authorizer, document, caller, operationName);
  const executed = outcome.nothingLeft
    ? {}
    : await execute({ schema: shopSchema, document: outcome.document, rootValue: data, operationName });
  const response = applyDenials(executed as never, outcome, shopSchema, document, operationName);
  return { outcome, response, executed };
}

/** A document as text without insignificant whitespace, for comparing rewritten documents. */
export function compact(document: DocumentNode | string): string {
  return print(typeof document === 'string' ? parse(document) : document).replace(/\s+/g, ' ').trim();
}

export function shopAuthorizer(options?: AuthorizerOptions): Authorizer {
  return new Authorizer(shopPolicy, shopSchema, options);
}

export { apiSchemaOf, composeSupergraph };
