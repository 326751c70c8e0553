import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../', import.meta.url));
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies?: Record<string, string>;
};

/** The packages a folder's TypeScript imports (`import ... from 'x'`, `await import('x')`), relative paths left out. */
function importedPackages(folder: string): Set<string> {
  const packages = new Set<string>();
  for (const file of readdirSync(join(root, folder), { recursive: true, encoding: 'utf8' })) {
    if (!/\.(ts|js)$/.test(file)) continue;
    const text = readFileSync(join(root, folder, file), 'utf8');
    for (const [, specifier] of text.matchAll(/(?:from|import\()\s*'([^'.][^']*)'/g)) {
      const parts = specifier!.split('/');
      const name = specifier!.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
      if (!name.startsWith('node:') && !builtinModules.includes(name)) packages.add(name);
    }
  }
  return packages;
}

/**
 * The console runs from a production install (`npm ci --omit=dev`, the image's deps stage): what
 * its server code and its start-up imports (esbuild bundles the page at start) must be
 * `dependencies`, not `devDependencies` that such an install leaves out.
 */
describe('the console package', () => {
  it('declares every package its runtime code imports as a dependency (esbuild included)', () => {
    const imported = new Set([...importedPackages('src'), ...importedPackages('bin')]);
    expect(imported).toContain('esbuild');
    const missing = [...imported].filter((name) => !(name in (manifest.dependencies ?? {})));
    expect(missing).toEqual([]);
  });
});
