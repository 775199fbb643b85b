// Tributary's version, as package.json gives it.
import { readFileSync } from 'node:fs';

export const TRIBUTARY_VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
