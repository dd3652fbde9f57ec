// Vite's CSS imports.
declare module "*.css";
