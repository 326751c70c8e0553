import { describe, expect, it } from 'vitest';
import { loadConsoleConfig } from '../src/config.js';
import { ConsoleKeys } from '../src/console-keys.js';

describe('console keys', () => {
  const editor = 'editor-key-0123456789';
  const viewer = 'viewer-key-0123456789';

  it('names the holder of a key and its role, and nobody for an unknown key', () => {
    const keys = new ConsoleKeys([{ name: 'ana', key: editor }], [{ name: 'ben', key: viewer }]);
    expect(keys.identify({ 'x-api-key': editor })).toEqual({ name: 'ana', role: 'editor' });
    expect(keys.identify({ authorization: `Bearer ${viewer}` })).toEqual({ name: 'ben', role: 'viewer' });
    expect(keys.identify({ 'x-api-key': 'nope-nope-nope-nope' })).toBeUndefined();
    expect(keys.identify({})).toBeUndefined();
  });

  it('reads name:key pairs from the environment and refuses malformed ones without echoing the key', () => {
    const base = { REDIS_URL: 'redis://127.0.0.1:6379' };
    const config = loadConsoleConfig({ ...base, CONSOLE_EDITOR_KEYS: `ana:${editor}`, CONSOLE_VIEWER_KEYS: `ben:${viewer}` });
    expect(config.editorKeys).toEqual([{ name: 'ana', key: editor }]);
    expect(config.viewerKeys).toEqual([{ name: 'ben', key: viewer }]);
    expect(() => loadConsoleConfig(base)).toThrow(/CONSOLE_EDITOR_KEYS is required/);
    let message = '';
    try {
      loadConsoleConfig({ ...base, CONSOLE_EDITOR_KEYS: 'short-secret-key-without-name' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/CONSOLE_EDITOR_KEYS entry 1 must be name:key/);
    expect(message).not.toContain('short-secret-key-without-name');
  });
});
