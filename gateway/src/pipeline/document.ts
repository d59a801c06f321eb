import { createHash } from 'node:crypto';
import {
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import { BoundedCache } from '../../../lib/cache/bounded';
import { checkDocumentShape, ShapeLimitError, type OperationShape, type ShapeLimits } from '../limits/shape';
import { OperationRefusal, RequestErrorCode, requestError, requestErrors } from './refusal';

export interface DocumentStageOptions {
  schema: GraphQLSchema;
  /** Lexical tokens of a document; graphql-js stops lexing past it. */
  maxTokens: number;
  shape: ShapeLimits;
  /** Off: `__schema`/`__type` are refused and validation errors suggest no names. */
  introspection: boolean;
  /** Bytes of documents (and what hangs off them: plans, costs, authorization cuts) kept parsed. */
  maxBytes: number;
}

/** A parsed, shape-checked and validated document, shared by every request with the same text. */
export interface ValidDocument {
  readonly document: DocumentNode;
  /** sha256 of the text: the query-plan cache key (with the authorization cut). */
  readonly hash: string;
  /** By operation name (null: the anonymous operation). */
  readonly shapes: ReadonlyMap<string | null, OperationShape>;
}

type Entry = { readonly valid: ValidDocument } | { readonly refused: OperationRefusal };

/**
 * Bytes an entry is charged: the text, its AST (~10 bytes of AST per byte of
 * text) and, for an accepted document, what later stages derive from it per
 * expanded selection (cost plan, authorization analysis, query plan).
 */
const AST_BYTES_PER_CHAR = 10;
const DERIVED_BYTES_PER_SELECTION = 400;

/**
 * Stage 2, document: lex with the token limit, parse, check the shape limits
 * (before validation, which is quadratic in repeated fields), validate. Done
 * once per distinct text; the outcome (refusals included) is cached, bounded
 * by bytes, so a repeated request costs one map lookup.
 */
export class DocumentStage {
  private readonly cache: BoundedCache<Entry>;
  private readonly rules: ReadonlyArray<ValidationRule>;

  constructor(private readonly options: DocumentStageOptions) {
    this.rules = options.introspection ? specifiedRules : [...specifiedRules, NoIntrospection];
    this.cache = new BoundedCache<Entry>({
      maxEntries: 100_000,
      maxBytes: options.maxBytes,
      sizeOf: (entry, key) => {
        let selections = 0;
        if ('valid' in entry) for (const shape of entry.valid.shapes.values()) selections += shape.selections;
        return key.length * (2 + AST_BYTES_PER_CHAR) + selections * DERIVED_BYTES_PER_SELECTION;
      },
    });
  }

  /** The valid document of `query`, or throws the OperationRefusal that answers it. */
  load(query: string): ValidDocument {
    let entry = this.cache.get(query);
    if (!entry) {
      entry = this.prepare(query);
      this.cache.set(query, entry);
    }
    if ('refused' in entry) throw entry.refused;
    return entry.valid;
  }

  private prepare(query: string): Entry {
    let document: DocumentNode;
    try {
      document = parse(query, { maxTokens: this.options.maxTokens });
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      if (TOKEN_LIMIT.test(error.message)) {
        const { maxTokens } = this.options;
        return { refused: requestError(RequestErrorCode.MaxTokensExceeded, `The operation has more than ${maxTokens} tokens, the most this gateway accepts.`, { extensions: { maxTokens } }) };
      }
      return { refused: requestErrors([error], RequestErrorCode.ParseFailed) };
    }
    let shapes: Map<string | null, OperationShape>;
    try {
      shapes = checkDocumentShape(document, this.options.shape);
    } catch (error) {
      if (!(error instanceof ShapeLimitError)) throw error;
      return { refused: requestErrors([error], error.code) };
    }
    const errors = validate(this.options.schema, document, this.rules);
    if (errors.length > 0) {
      // "Did you mean ...?" would reveal names that introspection hides.
      const rewrite = this.options.introspection ? undefined : withoutSuggestions;
      return { refused: requestErrors(errors, RequestErrorCode.ValidationFailed, rewrite) };
    }
    return { valid: { document, hash: createHash('sha256').update(query).digest('hex'), shapes } };
  }
}

/** graphql-js 16's wording ("more that"; later versions "more than"). */
const TOKEN_LIMIT = /^Syntax Error: Document contains more th[ae][nt] \d+ tokens/;

const SUGGESTION = / ?Did you mean (.+?)\?$/;
function withoutSuggestions(message: string): string {
  return message.replace(SUGGESTION, '');
}

/** Introspection off: `__schema` and `__type` are refused, with the knob that turns them on (`__typename` stays). */
const NoIntrospection: ValidationRule = (context) => ({
  Field(node) {
    if (node.name.value === '__schema' || node.name.value === '__type') {
      context.reportError(
        new GraphQLError(`Introspection is disabled on this gateway (security.introspection, GATEWAY_INTROSPECTION); the query asks for "${node.name.value}".`, { nodes: node }),
      );
    }
  },
});
