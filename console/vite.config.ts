import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

// Built into console/dist by `npm run build:console` (npm ci's prepare step); served by src/console/ at /console/.
export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  plugins: [preact()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false },
});
