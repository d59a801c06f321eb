import type { CorpusOperation } from '../corpus';

/** Operations on the media supergraph (titles, people, ratings, streaming). */
export const MEDIA_OPERATIONS: CorpusOperation[] = [
  // Interfaces
  {
    name: 'a movie through the Title interface with fragments on both implementations',
    covers: ['interface', 'interface fragments', 'inline fragments'],
    query: `{ title(id: "m1") { id name year ... on Movie { runtimeMinutes director { name } } ... on Series { ended seasons { number } } } }`,
  },
  {
    name: 'a series through the same interface query',
    covers: ['interface', 'interface fragments', 'inline fragments'],
    query: `{ title(id: "s2") { id name year ... on Movie { runtimeMinutes director { name } } ... on Series { ended seasons { number } } } }`,
  },
  {
    name: 'every title with its concrete type',
    covers: ['interface', 'interface fields', '__typename'],
    query: `{ titles { __typename id name year genres } }`,
  },
  {
    name: 'series episodes by kind enum',
    covers: ['enum arguments', 'interface fragments'],
    query: `{ titles(kind: SERIES) { name ... on Series { ended seasons { number episodes { number name runtimeMinutes } } } } }`,
  },
  {
    name: 'titles of a genre from an enum variable',
    covers: ['enum arguments', 'interface fields'],
    query: `query ByGenre($genre: Genre) { titles(genre: $genre) { id name genres } }`,
    variables: { genre: 'SCIFI' },
  },
  {
    name: 'interface fields contributed by an @interfaceObject subgraph',
    covers: ['@interfaceObject', 'interface fields', 'entity chain'],
    query: `{ titles { id name averageScore scoreCount } }`,
  },
  {
    name: '@interfaceObject fields inside a fragment on an implementation',
    covers: ['@interfaceObject', 'interface fragments'],
    query: `{ title(id: "m2") { name ... on Movie { runtimeMinutes averageScore scoreCount } } }`,
  },
  {
    name: 'titles from the @interfaceObject subgraph resolved to their concrete types',
    covers: ['@interfaceObject', 'interface', 'entity chain', '__typename'],
    query: `{ topRated { __typename id name ... on Movie { runtimeMinutes } ... on Series { ended } } }`,
  },
  {
    name: 'top-rated titles with ratings only',
    covers: ['@interfaceObject'],
    query: `{ topRated(first: 10) { id scoreCount averageScore } }`,
  },
  {
    name: 'top reviews of every title, failing with and without a code',
    covers: ['errors on list items', 'error with code', 'error without code', '@interfaceObject'],
    query: `{ titles { id topReview } }`,
    expectErrors: true,
  },
  {
    name: 'a redacted top review',
    covers: ['error with code', '@interfaceObject'],
    query: `{ title(id: "m3") { name topReview averageScore } }`,
    expectErrors: true,
  },
  {
    name: 'top rated titles with their top reviews, one failing without a code',
    covers: ['error without code', 'errors on list items', '@interfaceObject'],
    query: `{ topRated(first: 8) { id name topReview } }`,
    expectErrors: true,
  },
  {
    name: 'taglines served by the subgraph that took them over',
    covers: ['@override'],
    query: `{ movies { name tagline } }`,
  },
  {
    name: 'an overridden field inside an interface fragment',
    covers: ['@override', 'interface fragments'],
    query: `{ title(id: "m4") { name ... on Movie { tagline year } } }`,
  },
  // Unions
  {
    name: 'search results of a union with a fragment per member',
    covers: ['union', 'inline fragments', '__typename'],
    query: `{ search(text: "o") { __typename ... on Movie { name year } ... on Series { name ended } ... on Episode { name number } } }`,
  },
  {
    name: 'the search field aliased with different limits',
    covers: ['union', 'aliases', 'aliases with different arguments'],
    query: `{ few: search(text: "a", limit: 2) { ... on Movie { id } ... on Series { id } } many: search(text: "a") { __typename } none: search(text: "zzz") { __typename } }`,
  },
  {
    name: 'union members through named fragments',
    covers: ['union', 'named fragments'],
    query: `
      { search(text: "e", limit: 20) { ...MovieHit ...SeriesHit ...EpisodeHit } }
      fragment MovieHit on Movie { id name runtimeMinutes }
      fragment SeriesHit on Series { id name seasons { number } }
      fragment EpisodeHit on Episode { id number }
    `,
  },
  {
    name: 'union members with fields from three other subgraphs',
    covers: ['union', 'entity chain', '@interfaceObject', '@override'],
    query: `{ search(text: "i") { ... on Movie { name averageScore tagline cast { name } } ... on Episode { name streamUrl } ... on Series { name scoreCount } } }`,
  },
  {
    name: 'an interface fragment inside a union selection',
    covers: ['union', 'interface fragments'],
    query: `{ search(text: "r") { ... on Title { id name year } ... on Episode { number } } }`,
  },
  {
    name: 'availability unions aliased per region',
    covers: ['union', 'aliases', 'aliases with different arguments', 'named fragments', 'enum arguments'],
    query: `
      { movies { id eu: availability(region: EU) { ...Offer } us: availability(region: US) { ...Offer } default: availability { __typename } } }
      fragment Offer on Availability { __typename ... on Streaming { service quality } ... on Rental { priceCents days } ... on Unavailable { reason } }
    `,
  },
  {
    name: 'a rental missing a non-null field nulls the movie',
    covers: ['null propagation', 'union'],
    query: `{ title(id: "m8") { name ... on Movie { availability(region: APAC) { ... on Rental { priceCents days } } } } }`,
    expectErrors: true,
  },
  {
    name: 'movie assets through an interface of value types',
    covers: ['interface', 'interface fragments', 'interface fields'],
    query: `{ title(id: "m2") { ... on Movie { assets { url bytes ... on Poster { width height } ... on Trailer { durationSeconds } } } } }`,
  },
  {
    name: 'asset types of every movie',
    covers: ['interface', '__typename', 'interface fields'],
    query: `{ movies { id assets { __typename url } } }`,
  },
  // People and chains
  {
    name: 'directors named by titles, birth years from people',
    covers: ['@shareable', 'entity chain', 'nullable null'],
    query: `{ movies { name director { name born } } }`,
  },
  {
    name: 'a person with known-for movies, their ratings and taglines',
    covers: ['entity chain', '@interfaceObject', '@override'],
    query: `{ person(id: "p1") { name born knownFor { name year averageScore tagline } } }`,
  },
  {
    name: 'a person credited on a movie the titles subgraph does not know',
    covers: ['entity not found'],
    query: `{ person(id: "p9") { name credits { role character movie { id name } } } }`,
  },
  {
    name: 'an unknown person and an unknown title are null',
    covers: ['entity resolves to null'],
    query: `{ person(id: "nobody") { name } title(id: "x1") { name } watchlist(userId: "u404") { userId } }`,
  },
  {
    name: 'people of a role with what they are known for',
    covers: ['enum arguments', 'entity chain'],
    query: `{ people(role: DIRECTOR) { name knownFor { name director { name } } } }`,
  },
  {
    name: 'casts of every movie from people',
    covers: ['entity chain', 'nullable null'],
    query: `{ movies { name cast { name born } } }`,
  },
  {
    name: 'people with null birth years',
    covers: ['nullable null'],
    query: `{ people { id name born } }`,
  },
  {
    name: 'people to movies to directors to movies to casts',
    covers: ['deep nesting', 'entity chain'],
    query: `{ person(id: "p2") { name knownFor { name director { name knownFor { name cast { name knownFor { id name averageScore } } } } } } }`,
  },
  // Nested lists
  {
    name: 'shelves as nested lists of interface entities with ratings',
    covers: ['nested lists of entities', '@interfaceObject', 'interface', '__typename'],
    query: `{ shelves { __typename id name averageScore } }`,
  },
  {
    name: 'shelves with fragments per implementation',
    covers: ['nested lists of entities', 'interface fragments', '@override'],
    query: `{ shelves { ... on Movie { name tagline availability(region: US) { __typename } } ... on Series { name seasons { number } } } }`,
  },
  {
    name: 'series episodes with stream urls from another subgraph',
    covers: ['nullable null', 'entity chain', 'nested lists of entities'],
    query: `{ title(id: "s2") { ... on Series { seasons { number episodes { id name runtimeMinutes streamUrl } } } } }`,
  },
  {
    name: 'box office figures, private for every fourth movie',
    covers: ['errors on list items', 'error with code'],
    query: `{ movies { name boxOffice } }`,
    expectErrors: true,
  },
  // Operation shapes
  {
    name: '__typename at every level, root included',
    covers: ['__typename', 'root __typename'],
    query: `{ __typename title(id: "m2") { __typename ... on Movie { __typename director { __typename name } assets { __typename } availability(region: EU) { __typename } } } }`,
  },
  {
    name: '@include and @skip on fragments from variables: ratings in, assets out',
    covers: ['@include', '@skip', 'directive variables', 'inline fragments'],
    query: `query ($withRatings: Boolean!, $noAssets: Boolean!) { movies { name ... @include(if: $withRatings) { averageScore } assets @skip(if: $noAssets) { url } } }`,
    variables: { withRatings: true, noAssets: true },
  },
  {
    name: '@include and @skip on fragments from variables: ratings out, assets in',
    covers: ['@include', '@skip', 'directive variables', 'inline fragments'],
    query: `query ($withRatings: Boolean!, $noAssets: Boolean!) { movies { name ... @include(if: $withRatings) { averageScore } assets @skip(if: $noAssets) { url } } }`,
    variables: { withRatings: false, noAssets: false },
  },
  {
    name: '@skip and @include literals on typed inline fragments',
    covers: ['@skip', '@include', 'inline fragments'],
    query: `{ title(id: "m1") { name ... on Movie @skip(if: true) { runtimeMinutes } ... on Movie @include(if: true) { year } ... on Series @include(if: true) { ended } } }`,
  },
  {
    name: 'the titles field aliased by genre and kind',
    covers: ['aliases', 'aliases with different arguments', 'enum arguments'],
    query: `{ dramas: titles(genre: DRAMA) { name } scifi: titles(genre: SCIFI) { name } series: titles(kind: SERIES) { name } comedyMovies: titles(kind: MOVIE, genre: COMEDY) { name } }`,
  },
  {
    name: 'streaming movies of a region from a variable default',
    covers: ['variable defaults', 'enum arguments', '@override'],
    query: `query NowStreaming($region: Region = EU) { nowStreaming(region: $region) { name tagline cast { name } } }`,
  },
  {
    name: 'streaming movies of a region from a variable',
    covers: ['variable defaults', 'enum arguments'],
    query: `query NowStreaming($region: Region = EU) { nowStreaming(region: $region) { name tagline cast { name } } }`,
    variables: { region: 'US' },
  },
  {
    name: 'a named fragment on the interface spread in two lists',
    covers: ['named fragments', 'interface', '@interfaceObject'],
    query: `
      { titles(genre: THRILLER) { ...TitleCard } topRated(first: 4) { ...TitleCard } }
      fragment TitleCard on Title { id name year averageScore }
    `,
  },
  // Mutations
  {
    name: 'a mutation replacing a watchlist, read across subgraphs',
    covers: ['mutation', '@interfaceObject', '@override', 'entity chain'],
    query: `mutation { setWatchlist(userId: "u1", movieIds: ["m2", "m5", "m2"]) { userId movies { name averageScore tagline } } }`,
  },
  {
    name: 'a watchlist read back',
    covers: ['entity chain'],
    query: `{ watchlist(userId: "u1") { userId movies { id name year } } }`,
  },
  {
    name: 'a mutation from variables with an interface fragment',
    covers: ['mutation', 'interface fragments', 'named fragments'],
    query: `
      mutation Watch($user: ID!, $ids: [ID!]!) { setWatchlist(userId: $user, movieIds: $ids) { movies { ...Card } } }
      fragment Card on Title { name year ... on Movie { runtimeMinutes } }
    `,
    variables: { user: 'u3', ids: ['m9', 'm10', 'm11'] },
  },
  // Introspection
  {
    name: '__type of an entity interface',
    covers: ['introspection', 'interface'],
    query: `{ __type(name: "Title") { kind name possibleTypes { name } fields { name type { kind name ofType { name } } } } }`,
  },
  {
    name: '__type of two unions and a value interface',
    covers: ['introspection', 'union', 'aliases'],
    query: `{ search: __type(name: "SearchResult") { kind possibleTypes { name } } offer: __type(name: "Availability") { possibleTypes { name } } asset: __type(name: "Asset") { kind fields { name } possibleTypes { name } } }`,
  },
];
