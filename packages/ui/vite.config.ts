// Builds the web UI into the platform package (`packages/platform/dist/ui`), which the server
// serves at `/` (or `--static-prefix`). `npm run dev -w @keel/ui` serves it with hot reload and
// proxies the API to a running Keel server (KEEL_DEV_SERVER, default http://127.0.0.1:5000).
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';

const target = process.env.KEEL_DEV_SERVER ?? 'http://127.0.0.1:5000';
const proxied = ['/ajax-api', '/api', '/get-artifact', '/model-versions/get-artifact'];

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // Relative asset URLs: the same build works at `/` and under any `--static-prefix`.
  base: './',
  plugins: [react()],
  resolve: { conditions: ['keel-source', ...defaultClientConditions] },
  build: {
    outDir: fileURLToPath(new URL('../platform/dist/ui', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'static-files',
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
  },
  server: {
    proxy: Object.fromEntries(proxied.map((path) => [path, { target, changeOrigin: true }])),
  },
});
