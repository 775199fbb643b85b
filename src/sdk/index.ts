// `tributary/sdk`: a batching, retrying producer (producer.ts) and the function-call logging
// helpers of seed 000: sendFunctionCallLog → FunctionCallLogs, sendLeaderActivityLog →
// LeaderActivityLogs, and log(record) routing by the seed's rule (a record with `leaderAction`
// or `leader_activity` is a leader activity).
import { Producer, type ProducerOptions } from './producer.ts';

export { Producer, type ProducerOptions, type ProducerStats, type DropReason } from './producer.ts';

export const FUNCTION_CALL_LOGS = 'FunctionCallLogs';
export const LEADER_ACTIVITY_LOGS = 'LeaderActivityLogs';

export interface FunctionCallLog {
  LogID: string;
  endpoint: string;
  timestamp: string;
  parameters?: Record<string, unknown>;
  function_name: string;
  http_method_type: 'GET' | 'POST' | 'PUT' | 'DELETE';
  header?: Record<string, unknown>;
  log_message: string;
  log_type: 'info' | 'error' | 'warning' | 'success';
  [field: string]: unknown;
}

export interface LeaderActivityLog {
  leader_activity: string;
  default_data?: Record<string, unknown>;
  before_update_data?: Record<string, unknown>;
  after_change_data?: Record<string, unknown>;
  log_timestamp: string;
  [field: string]: unknown;
}

/** The stream the seed's routing rule sends a record to. */
export function streamFor(record: Record<string, unknown>): string {
  return 'leaderAction' in record || 'leader_activity' in record ? LEADER_ACTIVITY_LOGS : FUNCTION_CALL_LOGS;
}

export class FunctionCallLogger {
  readonly producer: Producer;

  constructor(options: ProducerOptions) {
    this.producer = new Producer(options);
  }

  sendFunctionCallLog(log: FunctionCallLog): boolean {
    return this.producer.send(FUNCTION_CALL_LOGS, log);
  }

  sendLeaderActivityLog(log: LeaderActivityLog): boolean {
    return this.producer.send(LEADER_ACTIVITY_LOGS, log);
  }

  log(record: Record<string, unknown>): boolean {
    return this.producer.send(streamFor(record), record);
  }

  flush(): Promise<void> {
    return this.producer.flush();
  }

  close(): Promise<void> {
    return this.producer.close();
  }
}
