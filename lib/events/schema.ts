import { Kind, parse, type ConstDirectiveNode, type ConstValueNode, type DocumentNode } from 'graphql';

/**
 * Our `@event(channel: String!)` directive: each subgraph marks its
 * Subscription fields with the channel they listen on, links this spec and
 * `@composeDirective`s it, so composition keeps it in the supergraph:
 *
 *   extend schema
 *     @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@composeDirective"])
 *     @link(url: "https://federation-gateway.dev/events/v0.1", import: ["@event"])
 *     @composeDirective(name: "@event")
 *   directive @event(channel: String!) on FIELD_DEFINITION
 */
export const EVENTS_SPEC_URL = 'https://federation-gateway.dev/events/v0.1';

const EVENTS_SPEC_PATTERN = /^https:\/\/federation-gateway\.dev\/events\/v\d+\.\d+$/;

/**
 * Subscription field name -> the channel its `@event` names, read from a
 * supergraph (or a subgraph) SDL. The directive is found under the name the
 * schema's `@link` gives it (imported, renamed with `as`, or namespaced as
 * `@events__event`). Fields without it are left out.
 */
export function subscriptionChannels(sdl: string | DocumentNode): Map<string, string> {
  const document = typeof sdl === 'string' ? parse(sdl) : sdl;
  const directiveName = eventDirectiveName(document);
  const subscriptionTypeName = rootTypeName(document, 'subscription') ?? 'Subscription';
  const channels = new Map<string, string>();
  if (directiveName === undefined) return channels;
  for (const definition of document.definitions) {
    if ((definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION) || definition.name.value !== subscriptionTypeName) continue;
    for (const field of definition.fields ?? []) {
      const directive = field.directives?.find((d) => d.name.value === directiveName);
      const channel = stringArgument(directive, 'channel');
      if (channel !== undefined) channels.set(field.name.value, channel);
    }
  }
  return channels;
}

/** The local name of `@event` in this document, or undefined when it does not link the events spec. */
function eventDirectiveName(document: DocumentNode): string | undefined {
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const link of definition.directives ?? []) {
      if (link.name.value !== 'link') continue;
      const url = stringArgument(link, 'url');
      if (url === undefined || !EVENTS_SPEC_PATTERN.test(url)) continue;
      const imports = link.arguments?.find((a) => a.name.value === 'import')?.value;
      for (const entry of imports?.kind === Kind.LIST ? imports.values : []) {
        const imported = importedAs(entry, '@event');
        if (imported) return imported.replace(/^@/, '');
      }
      return `${stringArgument(link, 'as') ?? 'events'}__event`;
    }
  }
  return undefined;
}

/** `"@event"` -> `@event`; `{ name: "@event", as: "@e" }` -> `@e`; anything else undefined. */
function importedAs(entry: ConstValueNode, name: string): string | undefined {
  if (entry.kind === Kind.STRING) return entry.value === name ? name : undefined;
  if (entry.kind !== Kind.OBJECT) return undefined;
  const field = (key: string) => {
    const value = entry.fields.find((f) => f.name.value === key)?.value;
    return value?.kind === Kind.STRING ? value.value : undefined;
  };
  return field('name') === name ? (field('as') ?? name) : undefined;
}

function rootTypeName(document: DocumentNode, operation: 'subscription'): string | undefined {
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) continue;
    const root = definition.operationTypes?.find((t) => t.operation === operation);
    if (root) return root.type.name.value;
  }
  return undefined;
}

function stringArgument(directive: ConstDirectiveNode | undefined, name: string): string | undefined {
  const value = directive?.arguments?.find((a) => a.name.value === name)?.value;
  return value?.kind === Kind.STRING ? value.value : undefined;
}
