#!/usr/bin/env node
import { loadDrizzleAsCommonJs } from './drizzle-commonjs.ts';

// Registered before the command modules are linked (see drizzle-commonjs.ts for why).
loadDrizzleAsCommonJs();
await import('./commands.ts');
