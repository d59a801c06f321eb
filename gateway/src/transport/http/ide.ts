
/**
 * The GraphQL IDE page browsers get on GET /graphql when `security.ide` is on:
 * Apollo's landing page (embedded Sandbox), rendered through its plugin's
 * public `renderLandingPage`. It loads the Sandbox from Apollo's CDN; a
 * bundled, offline IDE is future work.
 */
export async function renderIdePage(): Promise<string> {
  // Loaded only when the IDE is on: production gateways never hold Apollo Server in memory.
  const { ApolloServerPluginLandingPageLocalDefault } = require('@apollo/server/plugin/landingPage/default') as typeof import('@apollo/server/plugin/landingPage/default');
  const plugin = ApolloServerPluginLandingPageLocalDefault({ footer: false, embed: true });
  const listener = await plugin.serverWillStart?.({} as never);
  const page = await listener?.renderLandingPage?.();
  if (!page) throw new Error('the landing page plugin rendered nothing');
  return typeof page.html === 'string' ? page.html : page.html();
}
