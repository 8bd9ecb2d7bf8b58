import { writeFileSync } from 'node:fs';
import { createTestApp } from '../test/helpers/app.ts';
import { API_TYPES_FILE, renderApiTypes } from './api-types.ts';

// Builds the app over a throw-away in-memory database (as the tests do, so the document is the
// one the staleness test compares against) and writes the generated API types.
const t = await createTestApp();
try {
  writeFileSync(API_TYPES_FILE, await renderApiTypes(t.app.swagger()));
  console.log(`wrote ${API_TYPES_FILE}`);
} finally {
  await t.close();
}
