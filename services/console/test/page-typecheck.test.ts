import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const PAGE = join(repo, 'services/console/web/console-page.ts');

/**
 * The page's script is browser code bundled by esbuild, which strips types without checking
 * them: `npm run typecheck` must check it, against the DOM's types (not Node's).
 */
describe('the page script', () => {
  it('is in a project of `npm run typecheck` that has the DOM lib and no Node types', () => {
    const script = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts[
      'typecheck'
    ]!;
    const projects = [...script.matchAll(/tsc -p (\S+)/g)].map(([, path]) => join(repo, path!));
    const checking = projects
      .map((path) => ts.getParsedCommandLineOfConfigFile(path, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} }))
      .filter((parsed) => parsed?.fileNames.includes(PAGE));
    expect(checking).toHaveLength(1);
    const { options } = checking[0]!;
    expect(options.lib).toContain('lib.dom.d.ts');
    expect(options.types).toEqual([]);
  });
});
