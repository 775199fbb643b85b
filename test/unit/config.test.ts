import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, ConfigError } from '../../src/config/load.ts';

describe('config loading', () => {
  let dir: string;
  before(() => { dir = mkdtempSync(path.join(tmpdir(), 'trib-config-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('has working defaults with no file', () => {
    const config = loadConfig({ cwd: dir, env: {} });
    assert.equal(config.port, 3000);
    assert.equal(config.dataDir, path.join(dir, 'data'));
    assert.equal(config.log.engine, 'embedded');
    assert.equal(config.limits.maxDepth, 64);
    assert.equal(config.ingest.defaultStream, 'logs');
    assert.deepEqual(config.store, { engine: 'embedded', memoryLimit: '384MB', checkpointThreshold: '64MB', writers: 2, opensearch: { indexPrefix: 'tributary', replicas: 0 } });
  });

  it('layers file < env < flags', () => {
    writeFileSync(path.join(dir, 'tributary.yaml'), 'port: 4000\ndataDir: /tmp/x\nlog:\n  partitions: 4\n');
    assert.equal(loadConfig({ cwd: dir, env: {} }).port, 4000);
    assert.equal(loadConfig({ cwd: dir, env: {} }).log.partitions, 4);
    assert.equal(loadConfig({ cwd: dir, env: { PORT: '5000' } }).port, 5000);
    assert.equal(loadConfig({ cwd: dir, env: { PORT: '5000' }, flags: { port: 6000 } }).port, 6000);
    assert.equal(loadConfig({ cwd: dir, env: { TRIBUTARY_DATA_DIR: '/tmp/y' } }).dataDir, '/tmp/y');
    rmSync(path.join(dir, 'tributary.yaml'));
  });

  it('takes the environment for every flag not given (start passes them all, unset ones undefined)', () => {
    const config = loadConfig({ cwd: dir, env: { TRIBUTARY_DATA_DIR: '/srv/t', PORT: '8080', TRIBUTARY_LOG: 'kafka', TRIBUTARY_KAFKA_BROKERS: 'k:9092' },
      flags: { dataDir: undefined, port: undefined, 'log.engine': undefined, 'log.kafka.brokers': undefined, host: '0.0.0.0' } });
    assert.deepEqual([config.dataDir, config.port, config.log.engine, config.log.kafka.brokers, config.host], ['/srv/t', 8080, 'kafka', ['k:9092'], '0.0.0.0']);
  });

  it('fails with the key and the reason on a bad value or unknown key', () => {
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, 'port: "http"\nlog:\n  partitons: 3\n');
    assert.throws(() => loadConfig({ cwd: dir, env: {}, file }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /port: must be integer/);
      assert.match(error.message, /log: must NOT have additional properties 'partitons'/);
      return true;
    });
  });

  it('refuses a store size without a unit', () => {
    const file = path.join(dir, 'store.yaml');
    writeFileSync(file, 'store:\n  memoryLimit: "lots"\n  checkpointThreshold: 32\n');
    assert.throws(() => loadConfig({ cwd: dir, env: {}, file }), (error: unknown) => {
      assert.match(String(error), /store\.memoryLimit: must match pattern/);
      assert.match(String(error), /store\.checkpointThreshold: must be string/);
      return true;
    });
  });

  it('refuses a time zone it does not know, naming the key', () => {
    assert.throws(() => loadConfig({ cwd: dir, env: {}, flags: { 'streams.app.timeZone': 'Mars/Olympus' } }), (error: Error) =>
      error instanceof ConfigError && /streams\.app\.timeZone: 'Mars\/Olympus' is not a time zone/.test(error.message));
    assert.equal(loadConfig({ cwd: dir, env: {}, flags: { 'streams.app.timeZone': 'Asia/Kolkata' } }).streams.app!.timeZone, 'Asia/Kolkata');
  });

  it('refuses roles that would search an empty store or ingest what no process can index, saying what to run', () => {
    assert.throws(() => loadConfig({ cwd: dir, env: {}, flags: { roles: ['query'] } }), /query process .* run query with process/);
    assert.throws(() => loadConfig({ cwd: dir, env: {}, flags: { roles: ['ingest', 'query'], 'log.engine': 'kafka', 'log.kafka.brokers': ['127.0.0.1:9092'] } }), /add --role process|run query with process/);
    assert.throws(() => loadConfig({ cwd: dir, env: {}, flags: { roles: ['ingest'] } }), /embedded log .* add --role process/);
    assert.deepEqual(loadConfig({ cwd: dir, env: {}, flags: { roles: ['ingest'], 'log.engine': 'kafka', 'log.kafka.brokers': ['127.0.0.1:9092'] } }).roles, ['ingest']);
    assert.deepEqual(loadConfig({ cwd: dir, env: {}, flags: { roles: ['process', 'query'] } }).roles, ['process', 'query']);
    mkdirSync(path.join(dir, 'filled', 'store'), { recursive: true });
    assert.deepEqual(loadConfig({ cwd: dir, env: {}, flags: { roles: ['query'], dataDir: 'filled' } }).roles, ['query'], 'the store a stopped processor filled can be searched');
  });

  it('names a section of the wrong type instead of crashing', () => {
    const file = path.join(dir, 'section.yaml');
    writeFileSync(file, 'log: "kafka"\n');
    assert.throws(() => loadConfig({ cwd: dir, env: {}, file }), /log: must be object/);
  });

  it('explains a missing config file and kafka without brokers', () => {
    assert.throws(() => loadConfig({ cwd: dir, env: {}, file: 'nope.yaml' }), /does not exist/);
    assert.throws(() => loadConfig({ cwd: dir, env: {}, flags: { 'log.engine': 'kafka' } }), /--kafka-brokers/);
    assert.throws(() => loadConfig({ cwd: dir, env: { TRIBUTARY_STORE: 'opensearch' } }), /--opensearch-url/);
    const shared = loadConfig({ cwd: dir, env: { TRIBUTARY_STORE: 'opensearch', TRIBUTARY_OPENSEARCH_URL: 'http://os:9200', TRIBUTARY_ROLES: 'query' } });
    assert.deepEqual([shared.store.engine, shared.store.opensearch?.url, shared.roles], ['opensearch', 'http://os:9200', ['query']], 'a query-only process may run on the shared store');
  });

  it('reads roles and kafka-topic sources from comma lists, and refuses an unknown role', () => {
    const config = loadConfig({ cwd: dir, env: { TRIBUTARY_ROLES: 'process, query', TRIBUTARY_KAFKA_TOPICS: 'user-login,,orders', TRIBUTARY_KAFKA_BROKERS: 'k:9092' } });
    assert.deepEqual(config.roles, ['process', 'query']);
    assert.deepEqual(config.sources.kafkaTopics, ['user-login', 'orders']);
    assert.deepEqual(loadConfig({ cwd: dir, env: {} }).roles, ['ingest', 'process', 'query']);
    assert.equal(loadConfig({ cwd: dir, env: {} }).log.kafka.topicPrefix, 'tributary.');
    assert.throws(() => loadConfig({ cwd: dir, env: { TRIBUTARY_ROLES: 'indexer' } }), /roles\.0: must be equal to one of the allowed values/);
  });

  it("leaves Kafka's replication factor to the cluster unless it is set", () => {
    assert.equal(loadConfig({ cwd: dir, env: {} }).log.kafka.replicationFactor, undefined);
    assert.equal(loadConfig({ cwd: dir, env: { TRIBUTARY_KAFKA_REPLICATION_FACTOR: '3' } }).log.kafka.replicationFactor, 3);
    assert.throws(() => loadConfig({ cwd: dir, env: {}, flags: { 'log.kafka.replicationFactor': 0 } }), /log\.kafka\.replicationFactor: must be >= 1/);
  });
});
