// The validate step: required fields with seed 001's dead-letter text, one JSON Schema (inline or
// file), a schema chosen per record by a field (Sunbird: eid), reasons that name path and rule,
// and bad schemas refused at create().
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import { validateStep, type ValidateOptions } from '../../src/pipelines/steps/validate/validate.ts';
import type { PipelineRecord, StepResult } from '../../src/pipelines/step.ts';

const context = { now: () => 0 };

let offset = 0;
function record(body: Record<string, unknown>): PipelineRecord {
  return { body, origin: { topic: 'in', partition: 0, offset: offset++, ingestedAt: 0 } };
}

async function run(options: ValidateOptions, bodies: Array<Record<string, unknown>>): Promise<StepResult> {
  const step = await validateStep.create(options, context);
  return step.process(bodies.map(record));
}

const reasons = (result: StepResult): string[] => result.rejected.map((rejection) => rejection.reason);
const passedBodies = (result: StepResult): unknown[] => result.records.map((r) => r.body);

function tempFile(name: string, content: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'trib-validate-'));
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return file;
}

// Seed 001's generator output; the second is its dead-letter example (no device_type).
const LOGIN = { user_id: '9f7ccb91-6cee-49dc-ad0b-652b890df32b', app_version: '2.3.0', ip: '155.175.73.138', locale: 'VA', device_id: 'ff7eb2d0-2447-46eb-ae87-67a926fec298', timestamp: 1737421077, device_type: 'android' };
const { device_type: _dropped, ...LOGIN_NO_DEVICE } = LOGIN;
const SEED_001_REQUIRED = ['timestamp', 'user_id', 'ip', 'device_type', 'app_version', 'locale'];

const USER_LOGIN_SCHEMA = {
  type: 'object',
  properties: {
    user_id: { type: 'string', format: 'uuid' },
    app_version: { type: 'string' },
    ip: { type: 'string', format: 'ipv4' },
    locale: { type: 'string', pattern: '^[A-Z]{2}$' },
    timestamp: { type: 'integer' },
    device_type: { type: 'string', enum: ['android', 'iOS'] },
  },
  required: ['user_id', 'app_version', 'ip', 'locale', 'timestamp', 'device_type'],
};

// Trimmed Sunbird telemetry v3 schemas (reference 003): envelope plus per-eid edata.
const envelope = { required: ['eid', 'ets', 'ver', 'mid', 'actor', 'context', 'edata'], properties: { mid: { type: 'string', minLength: 1 } } };
const LOG_SCHEMA = {
  type: 'object', ...envelope,
  properties: { ...envelope.properties, edata: { type: 'object', additionalProperties: false, required: ['type', 'level', 'message'], properties: { type: { type: 'string' }, level: { type: 'string' }, message: { type: 'string' }, pageid: { type: 'string' } } } },
};
const START_SCHEMA = {
  id: 'http://api.ekstep.org/telemetry/start', // draft-04 style, as Sunbird's files: must not stop compiling
  type: 'object', ...envelope,
  properties: { ...envelope.properties, edata: { type: 'object', required: ['type'], properties: { type: { type: 'string' } } } },
};
function telemetry(eid: string, edata: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { eid, ets: 1551344699388, ver: '3.0', mid: `LP.${eid}.1`, actor: { id: 'u1', type: 'User' }, context: { channel: 'c', env: 'home', pdata: { id: 'app' } }, edata, ...extra };
}

describe('validate step: required fields (seed 001)', () => {
  it('rejects a record missing a field with the seed\'s exact dead-letter text', async () => {
    const result = await run({ required: SEED_001_REQUIRED }, [LOGIN, LOGIN_NO_DEVICE]);
    assert.deepEqual(passedBodies(result), [LOGIN]);
    assert.deepEqual(reasons(result), ["Missing required fields: ['device_type']"]);
    assert.equal(result.rejected[0]!.record.body, LOGIN_NO_DEVICE, 'the original record is kept for the dead letter');
  });

  it('names every missing field in the configured order, treating null as missing', async () => {
    const result = await run({ required: SEED_001_REQUIRED }, [{ user_id: 'u', locale: null, timestamp: 1 }]);
    assert.deepEqual(reasons(result), ["Missing required fields: ['ip', 'device_type', 'app_version', 'locale']"]);
  });

  it('accepts falsy values that are present (0, "", false)', async () => {
    const result = await run({ required: ['a', 'b', 'c'] }, [{ a: 0, b: '', c: false }]);
    assert.equal(result.records.length, 1);
  });

  it('reads dotted paths', async () => {
    const result = await run({ required: ['context.channel', 'actor.id'] }, [
      { context: { channel: 'c' }, actor: { id: 'a' } },
      { context: {}, actor: 'not an object' },
    ]);
    assert.equal(result.records.length, 1);
    assert.deepEqual(reasons(result), ["Missing required fields: ['context.channel', 'actor.id']"]);
  });

  it('keeps batch order among passed records', async () => {
    const bodies = [{ n: 1, a: 1 }, { n: 2 }, { n: 3, a: 1 }, { n: 4, a: 1 }];
    const result = await run({ required: ['a'] }, bodies);
    assert.deepEqual(result.records.map((r) => r.body.n), [1, 3, 4]);
  });
});

describe('validate step: one schema', () => {
  it('passes valid records and names the failing path and rule', async () => {
    const bad = { ...LOGIN, timestamp: '1737421077', device_type: 'windows' };
    const result = await run({ schema: USER_LOGIN_SCHEMA }, [LOGIN, bad]);
    assert.deepEqual(passedBodies(result), [LOGIN]);
    assert.deepEqual(reasons(result), ['/timestamp must be integer; /device_type must be equal to one of the allowed values: ["android","iOS"]']);
  });

  it('says "record" for a failure at the top level', async () => {
    const result = await run({ schema: USER_LOGIN_SCHEMA }, [LOGIN_NO_DEVICE]);
    assert.deepEqual(reasons(result), ["record must have required property 'device_type'"]);
  });

  it('checks the uuid and ipv4 formats seed 001 uses', async () => {
    const result = await run({ schema: USER_LOGIN_SCHEMA }, [{ ...LOGIN, user_id: 'nope', ip: '300.1.1.1' }]);
    assert.deepEqual(reasons(result), ['/user_id must match format "uuid"; /ip must match format "ipv4"']);
  });

  it('names the first three failures and counts the rest', async () => {
    const result = await run({ schema: USER_LOGIN_SCHEMA }, [{}]);
    assert.equal(reasons(result)[0], "record must have required property 'user_id'; record must have required property 'app_version'; record must have required property 'ip' (and 3 more)");
  });

  it('loads a schema file once at create(): deleting it afterwards changes nothing', async () => {
    const file = tempFile('user-login.schema.json', JSON.stringify(USER_LOGIN_SCHEMA));
    const step = await validateStep.create({ file }, context);
    rmSync(file);
    const result = await step.process([record(LOGIN), record(LOGIN_NO_DEVICE)]);
    assert.equal(result.records.length, 1);
    assert.deepEqual(reasons(result), ["record must have required property 'device_type'"]);
  });
});

describe('validate step: schema chosen per record (Sunbird, by eid)', () => {
  it('validates each record against the schema of its eid, inline or from a file', async () => {
    const startFile = tempFile('start.json', JSON.stringify(START_SCHEMA));
    const options: ValidateOptions = { by: 'eid', schemas: { LOG: LOG_SCHEMA, START: startFile } };
    const goodLog = telemetry('LOG', { type: 'api', level: 'INFO', message: 'ok' });
    const goodStart = telemetry('START', { type: 'app' });
    const badLog = telemetry('LOG', { type: 7, level: 'INFO', message: 'm', extra: 1 });
    const badStart = telemetry('START', {});
    const result = await run(options, [goodLog, badLog, goodStart, badStart]);
    assert.deepEqual(passedBodies(result), [goodLog, goodStart]);
    assert.deepEqual(reasons(result), [
      "/edata must NOT have additional properties: 'extra'; /edata/type must be string",
      "/edata must have required property 'type'",
    ]);
  });

  it('rejects a record whose eid has no schema, or that has no eid, unless told to pass them', async () => {
    const options: ValidateOptions = { by: 'eid', schemas: { LOG: LOG_SCHEMA } };
    const unknown = telemetry('SEARCH', {});
    const { eid: _eid, ...noEid } = telemetry('LOG', {});
    const numeric = { ...noEid, eid: 5 };
    assert.deepEqual(reasons(await run(options, [unknown, noEid, numeric])), [
      "no schema for eid 'SEARCH'",
      'no eid: cannot choose a schema',
      'no schema for eid 5',
    ]);
    const passing = await run({ ...options, otherwise: 'pass' }, [unknown, noEid]);
    assert.deepEqual(passedBodies(passing), [unknown, noEid]);
  });

  it('chooses by a dotted path', async () => {
    const options: ValidateOptions = { by: 'context.pdata.id', schemas: { app: { required: ['mid'] } } };
    const result = await run(options, [telemetry('LOG', {}), { context: { pdata: { id: 'app' } } }]);
    assert.equal(result.records.length, 1);
    assert.deepEqual(reasons(result), ["record must have required property 'mid'"]);
  });

  it('does not take an eid like "constructor" as a schema', async () => {
    const result = await run({ by: 'eid', schemas: { LOG: LOG_SCHEMA } }, [{ eid: 'constructor' }, { eid: '__proto__' }]);
    assert.deepEqual(reasons(result), ["no schema for eid 'constructor'", "no schema for eid '__proto__'"]);
  });
});

describe('validate step: $refs between schema files (Sunbird\'s resource:/ URIs)', () => {
  function sunbirdLikeDir(): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'trib-validate-refs-'));
    const ref = (name: string) => ({ $ref: `resource:/schemas/telemetry/3.0/${name}` });
    writeFileSync(path.join(dir, 'actor.json'), JSON.stringify({ type: 'object', required: ['id', 'type'], properties: { id: { type: 'string' }, type: { type: 'string' } } }));
    writeFileSync(path.join(dir, 'common.json'), JSON.stringify({ type: 'object', properties: { mid: { type: 'string', minLength: 1 }, actor: ref('actor.json') } }));
    writeFileSync(path.join(dir, 'log.json'), JSON.stringify({
      id: 'http://api.ekstep.org/telemetry/log', type: 'object', required: ['eid', 'mid', 'actor', 'edata'],
      allOf: [ref('common.json'), { properties: { edata: { type: 'object', required: ['type'], properties: { type: { type: 'string' } } } } }],
    }));
    return dir;
  }

  it('resolves $refs through refs (URI prefix → directory), following refs inside referenced files', async () => {
    const dir = sunbirdLikeDir();
    const options: ValidateOptions = { by: 'eid', schemas: { LOG: path.join(dir, 'log.json') }, refs: { 'resource:/schemas/telemetry/3.0/': dir } };
    const good = telemetry('LOG', { type: 'api' });
    const result = await run(options, [good, telemetry('LOG', { type: 'api' }, { mid: '' }), telemetry('LOG', { type: 'api' }, { actor: { id: 'u' } })]);
    assert.deepEqual(passedBodies(result), [good]);
    assert.deepEqual(reasons(result), ['/mid must NOT have fewer than 1 characters', "/actor must have required property 'type'"]);
  });

  it('refuses at create() a $ref no refs entry covers, or whose file is missing, naming it', async () => {
    const dir = sunbirdLikeDir();
    const file = path.join(dir, 'log.json');
    await assert.rejects(async () => validateStep.create({ file }, context), /\$ref resource:\/schemas\/telemetry\/3\.0\/common\.json is not under any refs prefix/);
    rmSync(path.join(dir, 'actor.json'));
    await assert.rejects(
      async () => validateStep.create({ file, refs: { 'resource:/schemas/telemetry/3.0/': dir } }, context),
      new RegExp(`cannot read schema file ${path.join(dir, 'actor.json')}: ENOENT`),
    );
  });
});

describe('validate step: bad options fail at create()', () => {
  it('refuses an invalid schema, naming which and the problem', async () => {
    await assert.rejects(async () => validateStep.create({ schema: { type: 'strin' } }, context), /validate: schema is not a valid JSON Schema: .*type/);
    await assert.rejects(
      async () => validateStep.create({ by: 'eid', schemas: { LOG: LOG_SCHEMA, START: { properties: { edata: { minLength: -1 } } } } }, context),
      /validate: schema for eid 'START' is not a valid JSON Schema: .*minLength/,
    );
  });

  it('refuses a missing or non-JSON schema file, naming the file', async () => {
    const missing = path.join(tmpdir(), 'trib-no-such-schema.json');
    await assert.rejects(async () => validateStep.create({ file: missing }, context), new RegExp(`cannot read schema file ${missing}: ENOENT`));
    const notJson = tempFile('bad.json', '{ "type": ');
    await assert.rejects(async () => validateStep.create({ by: 'eid', schemas: { LOG: notJson } }, context), new RegExp(`schema file ${notJson} is not JSON`));
  });

  it('refuses more than one way to validate, or none', async () => {
    await assert.rejects(async () => validateStep.create({ schema: {}, required: ['a'] }, context), /exactly one of .*, not schema and required/);
    await assert.rejects(async () => validateStep.create({}, context), /exactly one of/);
    await assert.rejects(async () => validateStep.create({ by: 'eid' }, context), /by needs schemas/);
  });

  it('publishes an options schema that takes each form and refuses mixed ones', () => {
    const check = new Ajv({ allErrors: true, useDefaults: true, strict: false }).compile(validateStep.options);
    for (const good of [{ schema: {} }, { file: 'a.json' }, { required: ['a'] }, { by: 'eid', schemas: { LOG: {}, START: 's.json' }, otherwise: 'pass', refs: { 'resource:/': 'schemas' } }]) {
      assert.ok(check(good), `${JSON.stringify(good)}: ${JSON.stringify(check.errors)}`);
    }
    for (const bad of [{}, { schema: {}, file: 'a.json' }, { by: 'eid' }, { schemas: { LOG: {} } }, { required: [] }, { by: 'eid', schemas: { LOG: 5 } }, { schema: {}, extra: 1 }]) {
      assert.equal(check(bad), false, JSON.stringify(bad));
    }
    const withDefaults: Record<string, unknown> = { by: 'eid', schemas: { LOG: {} } };
    check(withDefaults);
    assert.equal(withDefaults.otherwise, 'reject');
  });
});
