// The configuration's JSON Schema: the base (src/config/base.schema.json) with every registered
// component's keys added and the engine names filled in. docs/config.schema.json is this schema
// as published (`npm run config-schema` writes it; a unit test keeps the two equal).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LOG_ENGINES, PRESETS, SOURCES, STEPS, STORE_ENGINES, type Component } from '../registry.ts';
import { pipelinesSchema } from '../pipelines/config.ts';

const BASE_PATH = fileURLToPath(new URL('./base.schema.json', import.meta.url));

type SchemaObject = { properties: Record<string, SchemaObject & { enum?: string[] }> } & Record<string, unknown>;

export function configSchema(): Record<string, unknown> {
  const schema = JSON.parse(readFileSync(BASE_PATH, 'utf8')) as SchemaObject;
  const sections = schema.properties;
  sections.log!.properties.engine!.enum = LOG_ENGINES.map((engine) => engine.name);
  sections.store!.properties.engine!.enum = STORE_ENGINES.map((engine) => engine.name);
  sections.pipelines = pipelinesSchema(STEPS) as SchemaObject;
  const components: Component[] = [...LOG_ENGINES, ...STORE_ENGINES, ...SOURCES, ...PRESETS];
  for (const { name, config } of components) {
    if (!config) continue;
    const section = sections[config.section];
    if (!section) throw new Error(`component ${name} adds keys to a section the configuration lacks: ${config.section}`);
    for (const [key, property] of Object.entries(config.properties)) {
      if (key in section.properties) throw new Error(`component ${name} adds ${config.section}.${key}, which another already has`);
      section.properties[key] = property as SchemaObject;
    }
  }
  return schema;
}

export function configSchemaText(): string {
  return `${JSON.stringify(configSchema(), null, 2)}\n`;
}
