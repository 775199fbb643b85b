// Produce throughput of the Kafka log engine against a running broker.
//   node scripts/kafka-bench.ts [batches=100] [concurrency=1] [size=400]
// Batches of 1000 messages of `size` bytes, idempotent producer, acks=all; prints messages/s.
import { openKafkaLog } from '../src/log/kafka/kafka-log.ts';
import type { ProduceMessage } from '../src/log/log.ts';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const batches = Number(process.argv[2] ?? 100);
const concurrency = Number(process.argv[3] ?? 1);
const size = Number(process.argv[4] ?? 400);
const partitions = Number(process.env.BENCH_PARTITIONS ?? 4);

const log = await openKafkaLog({ brokers, clientId: 'tributary-bench' });
const topic = `bench-${Date.now()}`;
await log.createTopic(topic, { partitions });
const payload = Buffer.alloc(size, 'x');
const batch = (b: number): ProduceMessage[] =>
  Array.from({ length: 1000 }, (_, i) => ({ key: `k${(b * 1000 + i) % 5000}`, value: payload }));

// warm-up: producer id, metadata, connections
await log.produce(topic, batch(0));

let next = 0;
const t0 = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < batches) {
      next++;
      await log.produce(topic, batch(next));
    }
  }),
);
const s = (performance.now() - t0) / 1000;
const n = batches * 1000;
console.log(
  JSON.stringify({
    messages: n,
    bytesPerMessage: size,
    partitions,
    concurrency,
    seconds: Number(s.toFixed(2)),
    messagesPerSecond: Math.round(n / s),
    mbPerSecond: Number(((n * size) / s / 1e6).toFixed(1)),
  }),
);
await log.deleteTopic(topic);
await log.close();
