/**
 * GraphiQL 5 edits in Monaco, which runs its language services in web
 * workers. The build bundles the three workers graphiql's own set-up files
 * name (editor, json, graphql) as files beside this bundle; this tells Monaco
 * where they are. (graphiql/setup-workers/* relies on a bundler's
 * `new URL(..., import.meta.url)` worker support, which esbuild lacks.)
 */
const base = new URL('.', (document.currentScript as HTMLScriptElement | null)?.src ?? location.href);

(globalThis as unknown as { MonacoEnvironment: unknown }).MonacoEnvironment = {
  getWorker(_workerId: string, label: string): Worker {
    const file = label === 'json' ? 'json.worker.js' : label === 'graphql' ? 'graphql.worker.js' : 'editor.worker.js';
    return new Worker(new URL(file, base));
  },
};
