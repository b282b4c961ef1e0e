// schema-install.test.js: node tests import this first so that schema.js holds
// the settings schema Go serves (golden/schema.json) before the modules under
// test read it. Named *.test.js so server/assets_test.go copies it beside them.
import { readFileSync } from 'node:fs';
import { installSchema } from '../schema.js';

installSchema(readFileSync(new URL('./golden/schema.json', import.meta.url), 'utf8'));
