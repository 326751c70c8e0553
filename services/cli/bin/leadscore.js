#!/usr/bin/env node
// The `leadscore` command. The workspace ships TypeScript sources (no build step), so this
// shim registers tsx's loader, then runs the CLI.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
