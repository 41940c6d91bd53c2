import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { existsSync, createReadStream, statSync } from 'node:fs';
import { resolve, normalize, sep } from 'node:path';

/**
 * In development and tests the model registry's base URL points at `/local-models/`, which this
 * plugin serves from `../shared/models` (read-only pretrained weights beside the checkout) or from
 * the folder named by the WORKBENCH_MODELS_DIR environment variable. Real users get models from the
 * official URLs in models/registry.json or from a folder they pick in the app.
 */
function localModels(): Plugin {
  const root = resolve(process.env.WORKBENCH_MODELS_DIR ?? resolve(import.meta.dirname, '../shared/models'));
  return {
    name: 'workbench-local-models',
    configureServer(server) {
      server.middlewares.use('/local-models', (req, res, next) => {
        const rel = decodeURIComponent((req.url ?? '/').split('?')[0]);
        const file = normalize(resolve(root, '.' + rel));
        if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) return next();
        res.setHeader('Content-Length', String(statSync(file).size));
        res.setHeader('Content-Type', 'application/octet-stream');
        createReadStream(file).pipe(res);
      });
    },
  };
}

export default defineConfig({
  plugins: [react(), localModels()],
  worker: { format: 'es' },
  server: { host: 'localhost', port: 5173 },
  build: { target: 'es2022', chunkSizeWarningLimit: 8000 },
  optimizeDeps: {
    // Pre-bundle everything the job workers import too, so the dev server never re-optimises (and
    // reloads the page) when the first worker starts.
    entries: ['index.html', 'src/core/jobs/worker.ts', 'src/pipelines/style/service/worker.ts'],
    include: [
      '@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu', 'comlink', 'geotiff', 'exifr', 'papaparse', 'idb', 'fflate',
      'plotly.js-dist-min', '@tanstack/react-virtual', 'hash-wasm', 'flatbuffers', 'zustand', 'react', 'react-dom/client',
    ],
    exclude: ['@tensorflow/tfjs-backend-wasm'],
  },
});
