// The recruiter dashboard's bundle: its own Vite build (src/web/build.mjs runs it after the workspace's) into
// src/web/dist/dashboard, served by Fastify under /dashboard/. Nothing comes from a CDN.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/dashboard/',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: '../dist/dashboard',
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    sourcemap: false,
    // No inline polyfill script: the page's CSP is script-src 'self'.
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
});
