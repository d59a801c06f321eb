import { apiSchemaOf, composeSupergraph } from '../../support/compose-inline';
import { parse, type GraphQLSchema } from 'graphql';
import { join } from 'node:path';
import { composeSupergraph as composeSchemas, readSubgraphSources } from '../../../scripts/compose';
import { CostAnalyzer, readCostPolicy, type CostAnalyzerOptions, type CostPolicy } from '../../../gateway/src/cost';

export const FEDERATION_LINK =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@shareable", "@cost", "@listSize"])';


/**
 * The library every cost specification is computed over, split in two
 * subgraphs like a real one. Weights worth remembering:
 * objects 1 unless said otherwise; Author 3 (type); Isbn 2 (scalar);
 * Genre 1 (enum); Book.reviews assumes 5; Author.books assumes 2;
 * Query.shelf assumes 4; Query.search assumes 2; lists otherwise 10.
 */
export const LIBRARY_SDL = `
  ${FEDERATION_LINK}

  type Query {
    book(id: ID!): Book
    "Slicing: the larger of first and limit; neither given: the default list size."
    books(first: Int, limit: Int): [Book!]! @listSize(slicingArguments: ["first", "limit"], requireOneSlicingArgument: false)
    shelf: [Book!]! @listSize(assumedSize: 4)
    authors: [Author!]!
    "A connection: first (default 7) sizes nodes, not the connection itself."
    catalog(first: Int = 7, after: String): BookConnection! @listSize(slicingArguments: ["first"], sizedFields: ["nodes"], requireOneSlicingArgument: false)
    "Exactly one of first and last."
    page(first: Int, last: Int): [Book!]! @listSize(slicingArguments: ["first", "last"])
    "Federation composes no dotted slicing path; a spec patches \`filter.max\` in."
    filtered(filter: BookFilter): [Book!]!
    search(term: String! @cost(weight: 3), filter: SearchFilter): [SearchResult!]! @listSize(assumedSize: 2)
    featured: Media
    ranking: Int @cost(weight: 5)
    recommendations: [Book!]! @cost(weight: 4) @listSize(assumedSize: 3)
    grid: [[Cell!]!]! @listSize(assumedSize: 3)
    tags: [String!]!
  }

  type Mutation {
    addBook(title: String!, isbn: Isbn): Book!
    rateBook(id: ID!, stars: Int!): Book!
  }

  input BookFilter {
    max: Int = 6
    genre: Genre
  }

  input SearchFilter {
    genre: Genre
    exact: Boolean @cost(weight: 2)
  }

  enum Genre @cost(weight: 1) {
    FICTION
    SCIENCE
  }

  scalar Isbn @cost(weight: 2)

  interface Media {
    id: ID!
    title: String!
    related: [Media!]! @listSize(assumedSize: 2)
  }

  type Book implements Media @key(fields: "id") {
    id: ID!
    title: String!
    isbn: Isbn
    author: Author!
    sequel: Book
    reviews: [Review!]! @listSize(assumedSize: 5)
    related: [Media!]! @listSize(assumedSize: 2)
  }

  type Video implements Media {
    id: ID!
    title: String!
    related: [Media!]! @listSize(assumedSize: 2)
    clips: [Clip!]! @listSize(assumedSize: 6)
  }

  type Clip {
    seconds: Int!
  }

  type Author @cost(weight: 3) {
    name: String!
    books: [Book!]! @listSize(assumedSize: 2)
  }

  type Review {
    stars: Int!
    text: String
  }

  type BookConnection {
    nodes: [Book!]!
    pageInfo: PageInfo!
    totalCount: Int!
  }

  type PageInfo @shareable {
    hasNextPage: Boolean!
  }

  type Cell {
    value: Int
  }

  union SearchResult = Book | Author | Video
`;

/** A second subgraph: Book.stock is an entity fetch across subgraphs, weighed 2. */
export const STOCK_SDL = `
  ${FEDERATION_LINK}

  type Book @key(fields: "id") {
    id: ID!
    stock: Stock @cost(weight: 2)
  }

  type Stock {
    available: Int!
  }
`;

export const librarySupergraph = composeSupergraph({ library: LIBRARY_SDL, stock: STOCK_SDL });
export const librarySchema = apiSchemaOf(librarySupergraph);
export const libraryPolicy: CostPolicy = readCostPolicy(librarySupergraph, librarySchema);

/** The specs count unannotated lists as 10 and allow 5000 points, so their numbers show every rule at work. */
export function libraryAnalyzer(options?: CostAnalyzerOptions): CostAnalyzer {
  return new CostAnalyzer(libraryPolicy, librarySchema, { defaultListSize: 10, maxCost: 5000, ...options });
}

/** The project's own supergraph, composed from `schemas/*.graphql` as `npm run compose` does. */
export function projectSupergraph(): { supergraph: string; schema: GraphQLSchema; policy: CostPolicy } {
  const supergraph = composeSchemas(readSubgraphSources(join(__dirname, '..', '..', '..', 'schemas'), {}));
  const schema = apiSchemaOf(supergraph);
  return { supergraph, schema, policy: readCostPolicy(supergraph, schema) };
}

export { apiSchemaOf, composeSupergraph };
