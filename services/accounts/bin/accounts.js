#!/usr/bin/env node
// The streaming account service. The workspace ships TypeScript sources (no build step), so this shim
// registers tsx's loader, then runs main.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
