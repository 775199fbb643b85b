// Fault check: produce continuously while the broker is restarted (scripts/kafka.sh stop|crash,
// then start after DOWN_S seconds); every acknowledged message must be in the log afterwards.
//   node scripts/kafka-restart-check.ts [stop|crash] [downSeconds=10]
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { openKafkaLog } from '../src/log/kafka/kafka-log.ts';

const mode = process.argv[2] ?? 'stop';
const downS = Number(process.argv[3] ?? 10);
const script = fileURLToPath(new URL('./kafka.sh', import.meta.url));
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

const log = await openKafkaLog({ brokers, clientId: 'tributary-restart-check' });
const topic = `restart-${Date.now()}`;
await log.createTopic(topic, { partitions: 2 });

const acked = new Set<string>();
let failed = 0;
let stop = false;
let seq = 0;
let maxStallMs = 0;
const producer = (async () => {
  while (!stop) {
    const values = Array.from({ length: 100 }, () => `v${seq++}`);
    const t = Date.now();
    try {
      await log.produce(topic, values.map((v) => ({ key: v, value: Buffer.from(v) })));
      for (const v of values) acked.add(v);
    } catch (err) {
      failed += values.length;
      console.log(`produce failed: ${(err as Error).message.slice(0, 200)}`);
    }
    maxStallMs = Math.max(maxStallMs, Date.now() - t);
    await new Promise((r) => setTimeout(r, 20));
  }
})();

await new Promise((r) => setTimeout(r, 2000));
const t0 = Date.now();
execFileSync('bash', [script, mode === 'crash' ? 'crash' : 'stop'], { stdio: 'inherit' });
await new Promise((r) => setTimeout(r, downS * 1000));
execFileSync('bash', [script, 'start'], { stdio: 'inherit' });
console.log(`broker was away ${((Date.now() - t0) / 1000).toFixed(1)} s`);
await new Promise((r) => setTimeout(r, 3000));
stop = true;
await producer;

// read everything back
const seen = new Map<string, number>();
const c = log.createConsumer({ group: `check-${topic}`, topics: [topic], maxWaitMs: 200, maxBatchMessages: 5000 });
const d = await log.describeTopic(topic);
const total = d.partitions.reduce((a, p) => a + p.endOffset - p.startOffset, 0);
let read = 0;
const run = c.run(async (b) => {
  for (const m of b.messages) {
    const v = m.value.toString();
    seen.set(v, (seen.get(v) ?? 0) + 1);
    read++;
  }
});
const deadline = Date.now() + 60_000;
while (read < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
await c.stop();
await run;
let lost = 0;
for (const v of acked) if (!seen.has(v)) lost++;
const dups = [...seen.values()].filter((n) => n > 1).length;
console.log(JSON.stringify({ mode, downS, acked: acked.size, failedMessages: failed, inLog: total, lost, duplicates: dups, maxProduceStallMs: maxStallMs }));
await log.deleteTopic(topic);
await log.close();
process.exit(lost === 0 ? 0 : 1);
