// Writes docs/config.schema.json from the registry (src/config/schema.ts).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configSchemaText } from '../src/config/schema.ts';

const target = fileURLToPath(new URL('../docs/config.schema.json', import.meta.url));
writeFileSync(target, configSchemaText());
console.log(`wrote ${target}`);
