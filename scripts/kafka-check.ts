// Readiness probe for scripts/kafka.sh: exits 0 when the broker at argv[2] (host:port) answers a
// metadata request that lists at least one broker, 1 otherwise. Prints the broker ids.
import { Admin } from '@platformatic/kafka';

const target = process.argv[2] ?? process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
const admin = new Admin({
  clientId: 'tributary-kafka-check',
  bootstrapBrokers: target.split(','),
  retries: 0,
  timeout: 3000,
  connectTimeout: 2000,
});
const timer = setTimeout(() => {
  console.error('kafka-check: timeout');
  process.exit(1);
}, 5000);
try {
  const md = await admin.metadata({ topics: [] });
  if (md.brokers.size === 0) throw new Error('no broker in metadata');
  console.log(`brokers: ${[...md.brokers.keys()].join(',')} cluster: ${md.id}`);
  process.exitCode = 0;
} catch (err) {
  console.error(`kafka-check: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  clearTimeout(timer);
  await admin.close().catch(() => {});
}
