#!/usr/bin/env node
// The console. The workspace ships TypeScript sources (no build step for the server), so this
// shim registers tsx's loader, then runs main (which bundles the page with esbuild).
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
