// Seed 000's batched writes under a crash at the worst instant: the function-call-logs group has
// written its batch into function_call_logs but not yet committed its offsets (the seed's
// consumer committed first and lost the batch on a crash; here the commit comes after the
// write). The process SIGKILLs itself there (TRIBUTARY_FAIL_POINT), once after the write and
// before the checkpoint, once after the checkpoint and before the group commit. The crash leaves
// the batch in the store and nothing committed; after a restart every LogID is stored once.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FunctionCallLogger } from 'tributary/sdk';
import { openEmbeddedLog } from '../../src/log/embedded/embedded-log.ts';
import { inStoreFile } from '../support/store-files.ts';
import { tempDir, startChild, streamRecords, getJson, waitFor, type ChildServer } from '../e2e/harness.ts';

const GROUP = 'FunctionCallLogConsumerGr';
const UNIQUE = 1200;
const REPEATS = 40;

function functionCall(i: number, note = `call ${i}`): Record<string, unknown> {
  return {
    LogID: `KILL${String(i).padStart(6, '0')}`, endpoint: `/api/v1/r${i % 5}`, timestamp: new Date(Date.UTC(2025, 2, 11, 9, 0, 0, i)).toISOString(),
    function_name: `fn${i % 7}`, http_method_type: 'GET', log_message: note, log_type: 'success',
  };
}

describe('crash between the batch write and the commit (preset function-call-logs)', () => {
  const dirs: string[] = [];
  let server: ChildServer | undefined;
  after(async () => {
    await server?.kill('SIGKILL');
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  for (const point of ['written', 'checkpointed'] as const) {
    it(`stores every LogID once after a SIGKILL once the batch is ${point}`, async () => {
      const dataDir = tempDir(`crash-fcl-${point}`);
      dirs.push(dataDir);
      const configFile = path.join(dataDir, 'tributary.yaml');
      // one batch of everything, written 1 s after its first record
      writeFileSync(configFile, 'presets:\n  function-call-logs:\n    batch: { maxRecords: 100000, maxWait: 1s }\n');
      server = await startChild(dataDir, ['--config', configFile], { TRIBUTARY_FAIL_POINT: `pipeline function-call-logs: ${point}` });
      const exited = new Promise<NodeJS.Signals | null>((resolve) => server!.child.once('exit', (_code, signal) => resolve(signal)));
      const logger = new FunctionCallLogger({ url: server.url, batchSize: 5000, lingerMs: 10 });
      for (let i = 0; i < UNIQUE; i++) assert.ok(logger.log(functionCall(i)));
      for (let i = 0; i < REPEATS; i++) assert.ok(logger.log(functionCall(i * 29, 'sent again')));
      await logger.close();
      const { sent, dropped } = logger.producer.stats();
      assert.deepEqual([sent, dropped], [UNIQUE + REPEATS, 0], 'the log took every record before the crash');
      assert.equal(await exited, 'SIGKILL', `the process crashed at the fail point:\n${server.output().slice(-2000)}`);

      const log = await openEmbeddedLog(path.join(dataDir, 'log'));
      const committed = (await log.describeGroup(GROUP)).partitions.filter((partition) => partition.committed !== null);
      await log.close();
      assert.deepEqual(committed, [], 'the group committed nothing');
      const [[stored]] = await inStoreFile(path.join(dataDir, 'store'), (run) => run("SELECT count(*) FROM records WHERE stream = 'function_call_logs'")) as unknown as [[bigint]];
      assert.equal(Number(stored), UNIQUE, 'the batch was in the store when the process died');

      server = await startChild(dataDir, ['--config', configFile]);
      const calls = await streamRecords(server.url, 'function_call_logs', '', UNIQUE, 30_000);
      assert.equal(new Set(calls.map((record) => record.LogID)).size, UNIQUE, 'each LogID once');
      assert.ok(calls.every((record) => record.log_message !== 'sent again'), 'the first copy of each LogID');
      const url = server.url;
      await waitFor(async () => {
        const { body } = await getJson(`${url}/api/v1/groups/${GROUP}`);
        return body.partitions.length > 0 && body.partitions.every((partition: { lag: number }) => partition.lag === 0) ? true : undefined;
      }, 15_000, 'the group to commit everything after the restart');
      assert.equal((await streamRecords(url, 'function_call_logs', '', UNIQUE)).length, UNIQUE, 'nothing written again after the commit');
      await server.kill();
      server = undefined;
    });
  }
});
