// Components are registered by name with their config keys: the published schema is the composed
// one, each engine's keys are accepted only through it, and an unknown engine fails naming the others.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { configSchema, configSchemaText } from '../../src/config/schema.ts';
import { loadConfig } from '../../src/config/load.ts';
import { Ajv } from 'ajv';
import { LOG_ENGINES, STORE_ENGINES, SOURCES, STEPS, logEngine, stepKind } from '../../src/registry.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('registry', () => {
  it('publishes the schema composed from the registered components (npm run config-schema)', () => {
    assert.equal(readFileSync(path.join(ROOT, 'docs/config.schema.json'), 'utf8'), configSchemaText(),
      'docs/config.schema.json is stale: run npm run config-schema');
  });

  it('takes each engine\'s names and keys from its registration', () => {
    const sections = (configSchema() as { properties: Record<string, { properties: Record<string, { enum?: string[] }> }> }).properties;
    assert.deepEqual(sections.log!.properties.engine!.enum, LOG_ENGINES.map((engine) => engine.name));
    assert.deepEqual(sections.store!.properties.engine!.enum, STORE_ENGINES.map((engine) => engine.name));
    for (const component of [...LOG_ENGINES, ...STORE_ENGINES, ...SOURCES]) {
      for (const key of Object.keys(component.config?.properties ?? {})) {
        assert.ok(key in sections[component.config!.section]!.properties, `${component.name} adds ${component.config!.section}.${key}`);
      }
    }
  });

  it('registers the pipeline steps by kind, each with a schema of its options that compiles', () => {
    assert.deepEqual(STEPS.map((step) => step.name).sort(), ['batch', 'dedup', 'emit', 'enrich', 'parse', 'route', 'sunbird-denormalize', 'sunbird-extract', 'sunbird-preprocess', 'sunbird-route', 'validate', 'window']);
    for (const step of STEPS) assert.doesNotThrow(() => new Ajv({ strict: false }).compile(step.options), step.name);
    assert.throws(() => stepKind('sort'), /no pipeline step named 'sort'/);
  });

  it('checks pipelines in the config file against the steps\' schemas, naming the key', () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'trib-registry-'));
    const pipeline = (step: Record<string, unknown>) => ({ p1: { input: { streams: ['in'] }, steps: [step], outputs: { default: { topic: 'out' } } } });
    assert.doesNotThrow(() => loadConfig({ cwd, env: {}, flags: { pipelines: pipeline({ window: { size: '5m', aggregates: [{ fn: 'count', as: 'n' }] } }) } }));
    assert.throws(() => loadConfig({ cwd, env: {}, flags: { pipelines: pipeline({ window: { size: 'five minutes', aggregates: [{ fn: 'count', as: 'n' }] } }) } }), /pipelines\.p1\.steps\.0\.window\.size: must match pattern/);
    assert.throws(() => loadConfig({ cwd, env: {}, flags: { pipelines: pipeline({ sort: {} }) } }), /pipelines\.p1\.steps\.0: must NOT have additional properties 'sort'/);
    assert.throws(() => loadConfig({ cwd, env: {}, flags: { pipelines: { p1: { input: { streams: ['in'] }, steps: [] } } } }), /pipelines\.p1: must have required property 'outputs'/);
  });

  it('refuses an engine no one registered, naming the registered ones', () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'trib-registry-'));
    assert.throws(() => loadConfig({ cwd, env: {}, flags: { 'log.engine': 'pulsar' } }), /log\.engine: must be equal to one of the allowed values/);
    assert.throws(() => loadConfig({ cwd, env: {}, flags: { 'store.engine': 'elastic' } }), /store\.engine: must be equal to one of the allowed values/);
    assert.throws(() => logEngine('pulsar'), /no log engine named 'pulsar': use one of embedded, kafka/);
    assert.equal(loadConfig({ cwd, env: {} }).store.engine, 'embedded');
  });
});
