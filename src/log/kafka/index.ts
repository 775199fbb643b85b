export { openKafkaLog } from './kafka-log.ts';
export type { KafkaLogOptions } from './kafka-log.ts';
