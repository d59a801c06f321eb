import { importedDirectiveName } from '../../../lib/graphql/link-imports';
import {
  Kind,
  isTypeDefinitionNode,
  isTypeExtensionNode,
  parse,
  type ConstDirectiveNode,
  type ConstValueNode,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';

/** `@listSize` on one field definition, as the cost spec defines it. */
export interface ListSize {
  /** Size assumed when no slicing argument gives one. */
  readonly assumedSize?: number;
  /** Arguments (or dotted paths into input objects, `filter.max`) whose value is the list's length. */
  readonly slicingArguments: ReadonlyArray<string>;
  /** Child fields whose length the slicing argument gives (a connection's `nodes`, `edges`). */
  readonly sizedFields: ReadonlyArray<string>;
  /** Exactly one slicing argument must be given (a schema default counts as given). */
  readonly requireOneSlicingArgument: boolean;
}

/**
 * The `@cost` and `@listSize` directives of a supergraph, by schema
 * coordinate, read once. An empty policy is fine: the defaults (objects 1,
 * leaves 0, lists of `defaultListSize`) still apply.
 */
export interface CostPolicy {
  /** No directive anywhere. */
  readonly isEmpty: boolean;
  /** `@cost` on object types, scalars and enums, by type name. */
  readonly typeWeights: ReadonlyMap<string, number>;
  /** `@cost` on output fields, by coordinate `Type.field`. */
  readonly fieldWeights: ReadonlyMap<string, number>;
  /** `@cost` on arguments, by coordinate `Type.field(argument:)`. */
  readonly argumentWeights: ReadonlyMap<string, number>;
  /** `@cost` on input fields, by coordinate `Input.field`. */
  readonly inputFieldWeights: ReadonlyMap<string, number>;
  /** `@listSize`, by coordinate `Type.field`. */
  readonly listSizes: ReadonlyMap<string, ListSize>;
}

const COST_SPEC = /^https:\/\/specs\.apollo\.dev\/cost\/v\d+\.\d+$/;

/**
 * Reads `@cost` and `@listSize` from the supergraph SDL (composition writes
 * them there behind a `https://specs.apollo.dev/cost/v0.1` link). The API
 * schema is only used to skip what clients cannot query.
 */
export function readCostPolicy(supergraphSdl: string, apiSchema: GraphQLSchema): CostPolicy {
  const document = parse(supergraphSdl, { noLocation: true });
  const names = directiveNames(document);
  const typeWeights = new Map<string, number>();
  const fieldWeights = new Map<string, number>();
  const argumentWeights = new Map<string, number>();
  const inputFieldWeights = new Map<string, number>();
  const listSizes = new Map<string, ListSize>();
  const weightOf = (directives: ReadonlyArray<ConstDirectiveNode> | undefined) => {
    const cost = directives?.find((d) => d.name.value === names.cost);
    return cost && numberArgument(cost, 'weight');
  };

  for (const definition of document.definitions) {
    if (!isTypeDefinitionNode(definition) && !isTypeExtensionNode(definition)) continue;
    if (!apiSchema.getType(definition.name.value)) continue; // join__, link__ and inaccessible types
    const typeName = definition.name.value;
    const typeWeight = weightOf(definition.directives);
    if (typeWeight !== undefined) typeWeights.set(typeName, typeWeight);
    if (definition.kind === Kind.INPUT_OBJECT_TYPE_DEFINITION || definition.kind === Kind.INPUT_OBJECT_TYPE_EXTENSION) {
      for (const field of definition.fields ?? []) {
        const weight = weightOf(field.directives);
        if (weight !== undefined) inputFieldWeights.set(`${typeName}.${field.name.value}`, weight);
      }
      continue;
    }
    if (!('fields' in definition)) continue;
    for (const field of definition.fields ?? []) {
      if (field.kind !== Kind.FIELD_DEFINITION) continue;
      const coordinate = `${typeName}.${field.name.value}`;
      const weight = weightOf(field.directives);
      if (weight !== undefined) fieldWeights.set(coordinate, weight);
      const listSize = field.directives?.find((d) => d.name.value === names.listSize);
      if (listSize) listSizes.set(coordinate, readListSize(listSize));
      for (const argument of field.arguments ?? []) {
        const argumentWeight = weightOf(argument.directives);
        if (argumentWeight !== undefined) argumentWeights.set(`${coordinate}(${argument.name.value}:)`, argumentWeight);
      }
    }
  }
  const isEmpty = [typeWeights, fieldWeights, argumentWeights, inputFieldWeights, listSizes].every((m) => m.size === 0);
  return { isEmpty, typeWeights, fieldWeights, argumentWeights, inputFieldWeights, listSizes };
}

function readListSize(directive: ConstDirectiveNode): ListSize {
  const argument = (name: string) => directive.arguments?.find((a) => a.name.value === name)?.value;
  const requireOne = argument('requireOneSlicingArgument');
  const assumedSize = numberArgument(directive, 'assumedSize');
  return {
    ...(assumedSize !== undefined && { assumedSize }),
    slicingArguments: strings(argument('slicingArguments')),
    sizedFields: strings(argument('sizedFields')),
    // The spec's default is true; only an explicit `false` turns the check off.
    requireOneSlicingArgument: requireOne?.kind === Kind.BOOLEAN ? requireOne.value : true,
  };
}

/**
 * The local names of the two directives. The cost feature's root directive
 * is `@cost`, or the link's `as:` name; `@listSize` is imported by name
 * (possibly renamed with `{ name: "@listSize", as: "@size" }`) or else
 * prefixed, `@cost__listSize`. Without a link, the spec names apply.
 */
function directiveNames(document: DocumentNode): { cost: string; listSize: string } {
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const link of definition.directives ?? []) {
      if (link.name.value !== 'link') continue;
      const url = link.arguments?.find((a) => a.name.value === 'url')?.value;
      if (url?.kind !== Kind.STRING || !COST_SPEC.test(url.value)) continue;
      const as = link.arguments?.find((a) => a.name.value === 'as')?.value;
      const prefix = as?.kind === Kind.STRING ? as.value : 'cost';
      const imports = link.arguments?.find((a) => a.name.value === 'import')?.value;
      return {
        cost: importedDirectiveName(imports, 'cost') ?? prefix,
        listSize: importedDirectiveName(imports, 'listSize') ?? `${prefix}__listSize`,
      };
    }
  }
  return { cost: 'cost', listSize: 'listSize' };
}


/** Int per the cost spec; IBM's draft used strings ("2.0"), which are accepted too. */
function numberArgument(directive: ConstDirectiveNode, name: string): number | undefined {
  const value = directive.arguments?.find((a) => a.name.value === name)?.value;
  if (value?.kind !== Kind.INT && value?.kind !== Kind.FLOAT && value?.kind !== Kind.STRING) return undefined;
  const number = Number(value.value);
  return Number.isFinite(number) ? number : undefined;
}

/** Input coercion: a single string where a list is expected is a list of one. */
function strings(value: ConstValueNode | undefined): string[] {
  if (value === undefined) return [];
  const values = value.kind === Kind.LIST ? value.values : [value];
  return values.flatMap((v) => (v.kind === Kind.STRING ? [v.value] : []));
}
