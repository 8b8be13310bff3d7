const t0 = performance.now();
const { createServer } = await import('./packages/platform/dist/compose.js');
const t1 = performance.now();
const { resolveServerConfig } = await import('./packages/platform/dist/config/server-config.js');
const cfg = resolveServerConfig(
  { port: 0, backendStoreUri: 'sqlite:////tmp/st/x' + Date.now() + '.db', artifactsDestination: '/tmp/st/a' },
  {},
  '/tmp/st',
);
const s = await createServer(cfg, { info() {}, warn() {}, error() {} });
const t2 = performance.now();
await s.app.listen({ port: 0, host: '127.0.0.1' });
const t3 = performance.now();
console.log(
  'node boot→script',
  Math.round(t0),
  'ms; imports',
  Math.round(t1 - t0),
  'createServer',
  Math.round(t2 - t1),
  'listen',
  Math.round(t3 - t2),
);
await s.close();
