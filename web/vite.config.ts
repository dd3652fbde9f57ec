// The staff app (index.html) and GraphiQL (graphiql.html): one build, served by the API.
import { defineConfig } from "vite";
import preact from "@preact/preset-vite";

export default defineConfig({
  base: "/app/",
  plugins: [preact({ reactAliasesEnabled: false })],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // No inline scripts or styles: the Content-Security-Policy allows only files of our origin.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1200,
    modulePreload: { polyfill: false },
    rollupOptions: {
      input: { app: "index.html", graphiql: "graphiql.html" },
    },
  },
  server: { proxy: { "/graphql": { target: "http://127.0.0.1:8000", ws: true }, "/session": "http://127.0.0.1:8000" } },
});
