// The storefront is plain static files: `npm run build` writes them to dist/, served with an
// SPA fallback to index.html (shop/storefront.py in `make run` and the browser tests).
import { defineConfig } from 'vite';

export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, reportCompressedSize: true },
});
