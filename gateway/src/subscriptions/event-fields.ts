import { Kind, parse, type ConstDirectiveNode } from 'graphql';

/** A subscription field and the bus channel its events arrive on. */
export interface EventField {
  field: string;
  channel: string;
  /** The field's argument names: each one, when given, filters events on the event field of the same name. */
  arguments: readonly string[];
}

/**
 * Reads `Subscription` fields declared `@event(channel: "...")` by their
 * subgraph (kept in the supergraph by `@composeDirective`). A subscription
 * field without it cannot be served: the gateway never sends subscriptions
 * to subgraphs.
 */
export function readEventFields(supergraphSdl: string, directiveName = 'event'): Map<string, EventField> {
  const fields = new Map<string, EventField>();
  const document = parse(supergraphSdl);
  let subscriptionType = 'Subscription';
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const op of definition.operationTypes ?? []) if (op.operation === 'subscription') subscriptionType = op.type.name.value;
  }
  for (const definition of document.definitions) {
    if ((definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION) || definition.name.value !== subscriptionType) continue;
    for (const field of definition.fields ?? []) {
      const channel = channelOf(field.directives ?? [], directiveName);
      if (channel) fields.set(field.name.value, { field: field.name.value, channel, arguments: (field.arguments ?? []).map((a) => a.name.value) });
    }
  }
  return fields;
}

function channelOf(directives: readonly ConstDirectiveNode[], name: string): string | undefined {
  const directive = directives.find((d) => d.name.value === name);
  const arg = directive?.arguments?.find((a) => a.name.value === 'channel');
  return arg?.value.kind === Kind.STRING ? arg.value.value : undefined;
}
