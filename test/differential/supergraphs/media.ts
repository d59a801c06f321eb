import { GraphQLError } from 'graphql';
import type { SubgraphDefinition } from '../corpus';

/**
 * A media catalogue: titles (an entity interface over movies and series),
 * the people who make them, ratings (which know titles only as the
 * @interfaceObject `Title`) and a streaming service (which took movie
 * taglines over from titles with @override).
 */

const MOVIE_NAMES = [
  'Arrival Point', 'Blue Meridian', 'Cold Harbour', 'Dust Lanterns', 'Echo Valley', 'Far Signal',
  'Glass Orchard', 'Hollow Crown', 'Iron Tide', 'Jade Horizon', 'Kite Road', 'Lunar Debt',
];
const SERIES_NAMES = ['North Line', 'Open Water', 'Paper Towns', 'Quiet Engines', 'Red Ledger'];
const PEOPLE = [
  { id: 'p1', name: 'Mira Okafor', born: 1971 },
  { id: 'p2', name: 'Jonas Berg', born: 1965 },
  { id: 'p3', name: 'Lucia Ferreira', born: 1980 },
  { id: 'p4', name: 'Tomasz Wolny', born: null },
  { id: 'p5', name: 'Aiko Tanaka', born: 1988 },
  { id: 'p6', name: 'Samuel Reyes', born: 1959 },
  { id: 'p7', name: 'Ingrid Holm', born: 1992 },
  { id: 'p8', name: 'Kwame Mensah', born: null },
  { id: 'p9', name: 'Orla Byrne', born: 1948 },
  { id: 'p10', name: 'Dev Patel-Shah', born: 1976 },
];
const GENRES = ['DRAMA', 'COMEDY', 'SCIFI', 'DOCUMENTARY', 'THRILLER'];
const TAGLINES = [
  'Every ending is a signal.', 'The sea keeps its secrets.', 'Winter never asked permission.', 'Light finds a way.',
  'Some voices carry.', 'Listen past the static.', 'Nothing grows in silence.', 'Heavy is the head.',
  'The tide always returns.', 'Beyond the last ridge.', 'Follow the string.', 'Borrowed time, borrowed moon.',
];

const numberOf = (id: string) => Number(id.replace(/^\D+/, ''));

interface StoredMovie { kind: 'Movie'; id: string; name: string; year: number; genres: string[]; runtimeMinutes: number; n: number }
interface StoredSeries { kind: 'Series'; id: string; name: string; year: number; genres: string[]; n: number }
type StoredTitle = StoredMovie | StoredSeries;

function movies(): StoredMovie[] {
  return MOVIE_NAMES.map((name, i) => {
    const n = i + 1;
    return { kind: 'Movie', id: `m${n}`, name, year: 1990 + n * 2, genres: [GENRES[n % 5], ...(n % 3 === 0 ? [GENRES[(n + 2) % 5]] : [])], runtimeMinutes: 90 + ((n * 7) % 60), n };
  });
}

function series(): StoredSeries[] {
  return SERIES_NAMES.map((name, i) => {
    const n = i + 1;
    return { kind: 'Series', id: `s${n}`, name, year: 2010 + n, genres: [GENRES[(n + 1) % 5]], n };
  });
}

const seasonsOf = (s: StoredSeries) =>
  Array.from({ length: (s.n % 3) + 1 }, (_, season) => ({
    number: season + 1,
    episodes: Array.from({ length: 2 + ((s.n + season) % 3) }, (_, e) => ({
      id: `${s.id}e${season + 1}x${e + 1}`,
      number: e + 1,
      name: `${s.name} ${season + 1}.${e + 1}`,
      runtimeMinutes: (s.n + e) % 4 === 0 ? null : 40 + ((s.n * 3 + e * 5) % 20),
    })),
  }));

const titles: SubgraphDefinition = {
  name: 'titles',
  typeDefs: `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])

    enum TitleKind { MOVIE SERIES }
    enum Genre { DRAMA COMEDY SCIFI DOCUMENTARY THRILLER }

    interface Title @key(fields: "id") {
      id: ID!
      name: String!
      year: Int!
      genres: [Genre!]!
    }

    type Movie implements Title @key(fields: "id") {
      id: ID!
      name: String!
      year: Int!
      genres: [Genre!]!
      runtimeMinutes: Int!
      tagline: String
      director: Person
      "Studios keep every fourth movie's takings private (NOT_PUBLIC)."
      boxOffice: Int
    }

    type Series implements Title @key(fields: "id") {
      id: ID!
      name: String!
      year: Int!
      genres: [Genre!]!
      ended: Boolean!
      seasons: [Season!]!
    }

    type Season { number: Int! episodes: [Episode!]! }

    type Episode @key(fields: "id") {
      id: ID!
      number: Int!
      name: String!
      runtimeMinutes: Int
    }

    type Person @key(fields: "id") {
      id: ID!
      name: String! @shareable
    }

    union SearchResult = Movie | Series | Episode

    type Query {
      title(id: ID!): Title
      titles(kind: TitleKind, genre: Genre): [Title!]!
      movies: [Movie!]!
      search(text: String!, limit: Int = 10): [SearchResult!]!
      "The home screen's shelves, as a list of lists."
      shelves: [[Title!]!]!
    }
  `,
  createResolvers() {
    const all: StoredTitle[] = [...movies(), ...series()];
    const find = (id: string) => all.find((t) => t.id === id) ?? null;
    const episodes = series().flatMap((s) => seasonsOf(s).flatMap((season) => season.episodes));
    return {
      Query: {
        title: (_: unknown, { id }: { id: string }) => find(id),
        titles: (_: unknown, { kind, genre }: { kind?: string; genre?: string }) =>
          all.filter((t) => (kind == null || t.kind.toUpperCase() === kind) && (genre == null || t.genres.includes(genre))),
        movies: () => all.filter((t) => t.kind === 'Movie'),
        search: (_: unknown, { text, limit }: { text: string; limit: number }) => {
          const matches = (name: string) => name.toLowerCase().includes(text.toLowerCase());
          return [...all.filter((t) => matches(t.name)), ...episodes.filter((e) => matches(e.name)).map((e) => ({ ...e, kind: 'Episode' }))].slice(0, limit);
        },
        shelves: () => [['m1', 's1', 'm5'], ['s3'], [], ['m12', 'm2', 's5', 'm9']].map((ids) => ids.map(find)),
      },
      Title: {
        __resolveReference: ({ id }: { id: string }) => find(id),
        __resolveType: (t: { kind: string }) => t.kind,
      },
      SearchResult: {
        __resolveType: (t: { kind: string }) => t.kind,
      },
      Movie: {
        __resolveReference: ({ id }: { id: string }) => find(id),
        tagline: (m: StoredMovie) => `(titles) ${m.name}`,
        director: (m: StoredMovie) => ({ ...PEOPLE[(m.n * 3) % PEOPLE.length] }),
        boxOffice: (m: StoredMovie) => {
          if (m.n % 4 === 0) throw new GraphQLError(`Box office of ${m.id} is not public`, { extensions: { code: 'NOT_PUBLIC' } });
          return m.n * 1_250_000;
        },
      },
      Series: {
        __resolveReference: ({ id }: { id: string }) => find(id),
        ended: (s: StoredSeries) => s.n % 2 === 0,
        seasons: (s: StoredSeries) => seasonsOf(s),
      },
      Episode: {
        __resolveReference: ({ id }: { id: string }) => episodes.find((e) => e.id === id) ?? null,
      },
      Person: {
        __resolveReference: ({ id }: { id: string }) => PEOPLE.find((p) => p.id === id) ?? null,
      },
    };
  },
};

const people: SubgraphDefinition = {
  name: 'people',
  typeDefs: `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])

    enum Role { ACTOR DIRECTOR WRITER }

    type Person @key(fields: "id") {
      id: ID!
      name: String! @shareable
      born: Int
      knownFor: [Movie!]!
      "p9 is credited on m99, a film the titles subgraph does not know."
      credits: [Credit!]!
    }

    type Credit { role: Role! character: String movie: Movie }

    type Movie @key(fields: "id") {
      id: ID!
      cast: [Person!]!
    }

    type Query {
      person(id: ID!): Person
      people(role: Role): [Person!]!
    }
  `,
  createResolvers() {
    const find = (id: string) => PEOPLE.find((p) => p.id === id) ?? null;
    const knownFor = (id: string) => [`m${((numberOf(id) * 5) % 12) + 1}`, `m${((numberOf(id) + 3) % 12) + 1}`];
    const roleOf = (id: string) => ['ACTOR', 'DIRECTOR', 'WRITER'][numberOf(id) % 3];
    return {
      Query: {
        person: (_: unknown, { id }: { id: string }) => find(id),
        people: (_: unknown, { role }: { role?: string }) => PEOPLE.filter((p) => role == null || roleOf(p.id) === role),
      },
      Person: {
        __resolveReference: ({ id }: { id: string }) => find(id),
        knownFor: ({ id }: { id: string }) => knownFor(id).map((movieId) => ({ id: movieId })),
        credits: ({ id }: { id: string }) => [
          ...knownFor(id).map((movieId, i) => ({ role: roleOf(id), character: i === 0 && roleOf(id) === 'ACTOR' ? `Lead in ${movieId}` : null, movie: { id: movieId } })),
          ...(id === 'p9' ? [{ role: 'WRITER', character: null, movie: { id: 'm99' } }] : []),
        ],
      },
      Movie: {
        __resolveReference: ({ id }: { id: string }) => ({ id }),
        cast: ({ id }: { id: string }) => PEOPLE.filter((p) => knownFor(p.id).includes(id)),
      },
    };
  },
};

const ratings: SubgraphDefinition = {
  name: 'ratings',
  typeDefs: `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@interfaceObject"])

    type Title @key(fields: "id") @interfaceObject {
      id: ID!
      averageScore: Float
      scoreCount: Int!
      "Redacted for m3 (REVIEW_REDACTED); the critics' service fails for s2 (no code)."
      topReview: String
    }

    type Query {
      topRated(first: Int = 3): [Title!]!
    }
  `,
  createResolvers() {
    const scoreCount = (id: string) => (numberOf(id) * (id.startsWith('m') ? 3 : 5)) % 7;
    const TOP_RATED = ['m5', 's1', 'm2', 's3', 'm9', 'm1', 'm3', 's2', 'm11', 's4'];
    return {
      Query: {
        topRated: (_: unknown, { first }: { first: number }) => TOP_RATED.slice(0, first).map((id) => ({ id })),
      },
      Title: {
        __resolveReference: ({ id }: { id: string }) => ({ id }),
        scoreCount: ({ id }: { id: string }) => scoreCount(id),
        averageScore: ({ id }: { id: string }) => (scoreCount(id) === 0 ? null : Math.round((5 + ((numberOf(id) * 13) % 50) / 10) * 10) / 10),
        topReview: ({ id }: { id: string }) => {
          if (id === 'm3') throw new GraphQLError('The top review of m3 was redacted', { extensions: { code: 'REVIEW_REDACTED' } });
          if (id === 's2') throw new Error('Critics service unavailable');
          return scoreCount(id) === 0 ? null : `${id}: ${['worth it', 'a slow burn', 'instant classic'][numberOf(id) % 3]}`;
        },
      },
    };
  },
};

const streaming: SubgraphDefinition = {
  name: 'streaming',
  typeDefs: `
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@override"])

    enum Region { EU US APAC }
    enum Quality { SD HD UHD }

    type Movie @key(fields: "id") {
      id: ID!
      tagline: String @override(from: "titles")
      "In APAC, m8's rental has no duration, a non-null field."
      availability(region: Region! = EU): Availability!
      assets: [Asset!]!
    }

    type Episode @key(fields: "id") {
      id: ID!
      streamUrl: String
    }

    union Availability = Streaming | Rental | Unavailable
    type Streaming { service: String! quality: Quality! }
    type Rental { priceCents: Int! days: Int! }
    type Unavailable { reason: String! }

    interface Asset { url: String! bytes: Int! }
    type Poster implements Asset { url: String! bytes: Int! width: Int! height: Int! }
    type Trailer implements Asset { url: String! bytes: Int! durationSeconds: Int! }

    type Watchlist { userId: ID! movies: [Movie!]! }

    type Query {
      watchlist(userId: ID!): Watchlist
      nowStreaming(region: Region!): [Movie!]!
    }

    type Mutation {
      "Replaces the watchlist (set semantics: duplicates dropped, order kept)."
      setWatchlist(userId: ID!, movieIds: [ID!]!): Watchlist!
    }
  `,
  createResolvers() {
    const REGIONS = ['EU', 'US', 'APAC'];
    const availability = (id: string, region: string) => {
      const n = numberOf(id);
      if (id === 'm8' && region === 'APAC') return { kind: 'Rental', priceCents: 399, days: null };
      switch ((n + REGIONS.indexOf(region)) % 3) {
        case 0: return { kind: 'Streaming', service: ['Flixr', 'Streamly'][n % 2], quality: ['SD', 'HD', 'UHD'][n % 3] };
        case 1: return { kind: 'Rental', priceCents: 299 + n * 50, days: 2 + (n % 3) };
        default: return { kind: 'Unavailable', reason: `Not licensed in ${region}` };
      }
    };
    const watchlists = new Map<string, string[]>([['u1', ['m1', 'm4']], ['u2', ['m7']]]);
    const watchlistOf = (userId: string) => ({ userId, movies: watchlists.get(userId)!.map((id) => ({ id })) });
    return {
      Query: {
        watchlist: (_: unknown, { userId }: { userId: string }) => (watchlists.has(userId) ? watchlistOf(userId) : null),
        nowStreaming: (_: unknown, { region }: { region: string }) =>
          MOVIE_NAMES.map((_name, i) => ({ id: `m${i + 1}` })).filter(({ id }) => availability(id, region).kind === 'Streaming'),
      },
      Mutation: {
        setWatchlist: (_: unknown, { userId, movieIds }: { userId: string; movieIds: string[] }) => {
          watchlists.set(userId, [...new Set(movieIds)]);
          return watchlistOf(userId);
        },
      },
      Movie: {
        __resolveReference: ({ id }: { id: string }) => ({ id }),
        tagline: ({ id }: { id: string }) => TAGLINES[numberOf(id) - 1] ?? null,
        availability: ({ id }: { id: string }, { region }: { region: string }) => availability(id, region),
        assets: ({ id }: { id: string }) => {
          const n = numberOf(id);
          return [
            { kind: 'Poster', url: `https://img.test/${id}.jpg`, bytes: 100_000 + n * 4_096, width: 1000, height: 1500 },
            ...(n % 2 === 0 ? [{ kind: 'Trailer', url: `https://video.test/${id}.mp4`, bytes: 9_000_000 + n * 65_536, durationSeconds: 90 + n * 5 }] : []),
          ];
        },
      },
      Episode: {
        __resolveReference: ({ id }: { id: string }) => ({ id }),
        streamUrl: ({ id }: { id: string }) => (id.endsWith('x2') ? null : `https://stream.test/${id}.m3u8`),
      },
      Availability: { __resolveType: (a: { kind: string }) => a.kind },
      Asset: { __resolveType: (a: { kind: string }) => a.kind },
    };
  },
};

export const MEDIA_SUBGRAPHS = [titles, people, ratings, streaming];
