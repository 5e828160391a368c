// The browser bundle (candidate workspace). `npm run build:web` (also run by `npm install`) builds it into
// src/web/dist, served by Fastify under /w/. Nothing is loaded from a CDN: Monaco, its worker and codicon font are
// bundled; Pyodide is served from node_modules/pyodide by the server at /w/pyodide/.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/w/',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 4000,
    reportCompressedSize: false,
    // Two pages: the workspace (index.html, /w/<token>) and the practice line (practice.html, /practice/<token>).
    rollupOptions: { input: { index: fileURLToPath(new URL('index.html', import.meta.url)), practice: fileURLToPath(new URL('practice.html', import.meta.url)) } },
  },
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['pyodide'] },
});
