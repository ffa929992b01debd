import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// In dev, /graphql (HTTP and WebSocket) and the cloud's REST/blob routes go to cloud-graph.
const cloud = process.env.CLOUD_GRAPH_URL ?? 'http://127.0.0.1:8000';

export default defineConfig({
  plugins: [react()],
  server: {
    port: 3000,
    proxy: {
      '/graphql': { target: cloud, ws: true, changeOrigin: true },
      '/blobs': { target: cloud, changeOrigin: true },
      '/device-api': { target: cloud, changeOrigin: true },
    },
  },
  build: { outDir: 'dist', sourcemap: false, chunkSizeWarningLimit: 600 },
});
