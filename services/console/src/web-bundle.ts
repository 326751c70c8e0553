import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('../web/console-page.ts', import.meta.url));

/**
 * Bundles the page's script with esbuild at start-up (no build step to forget, nothing from a
 * CDN: the console works offline). Returns the script's text, served as /app.js.
 */
export async function bundleWebPage(): Promise<string> {
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    write: false,
    format: 'esm',
    target: 'es2022',
    minify: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}
