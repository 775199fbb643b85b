// Seeded generator of seed 000's traffic: backend services of N users log ~700 function calls per
// user per hour (sample-function-call-log.json's shape: 60 functions behind 25 endpoints), about
// 1 in 35 of them a leader activity (sample-leader-activity-log.json), and a share of records
// that break the seed's field rules (an unknown method or log type, a missing LogID).
import { mulberry32 } from '../user-login/generate.ts';

export interface GeneratedFunctionCall {
  record: Record<string, unknown>;
  valid: boolean;
}

export interface FunctionCallOptions {
  seed?: number;
  users?: number;
  /** Share of records breaking a field rule; default 0.01. */
  invalidShare?: number;
  /** Event time of the first record, ms; default now. */
  startTimeMs?: number;
  /** Event time advance per record, ms; default: the traffic of `users` (3600 s ÷ (700 × users)). */
  msPerRecord?: number;
}

export const LOGS_PER_USER_HOUR = 700;
const LEADER_EVERY = 35;
const METHODS = ['GET', 'POST', 'PUT', 'DELETE'] as const;
const TYPES = ['info', 'info', 'info', 'success', 'warning', 'error'] as const;
const ACTIVITIES = ['member_status_updated', 'member_added', 'member_removed', 'team_created', 'role_changed'];
const ENDPOINTS = Array.from({ length: 25 }, (_, i) => `/api/v1/${['users', 'events', 'teams', 'tickets', 'payments'][i % 5]}${i >= 5 ? `/${i}` : ''}`);
const FUNCTIONS = Array.from({ length: 60 }, (_, i) => `${['get', 'create', 'update', 'delete', 'list', 'sync'][i % 6]}${['UserProfile', 'Event', 'Team', 'Ticket', 'Payment', 'Member', 'Invite', 'Venue', 'Schedule', 'Report'][Math.floor(i / 6)]}`);

/** The records per second the seed's shape gives for `users`. */
export function ratePerSecond(users: number): number {
  return (users * LOGS_PER_USER_HOUR) / 3600;
}

export function* functionCallEvents(options: FunctionCallOptions = {}): Generator<GeneratedFunctionCall> {
  const seed = options.seed ?? 1;
  const random = mulberry32(seed);
  // runs with other seeds never repeat a LogID (the preset skips one seen before)
  const idPrefix = `LOG${(seed >>> 0).toString(36).toUpperCase()}-`;
  const users = options.users ?? 500;
  const invalidShare = options.invalidShare ?? 0.01;
  const msPerRecord = options.msPerRecord ?? 1000 / ratePerSecond(users);
  let time = options.startTimeMs ?? Date.now();
  for (let n = 1; ; n++) {
    time += msPerRecord;
    const at = new Date(Math.round(time)).toISOString();
    const user = `user-${Math.floor(random() * users) + 1}`;
    const broken = random() < invalidShare;
    if (random() * LEADER_EVERY < 1) {
      const record: Record<string, unknown> = {
        leader_activity: ACTIVITIES[Math.floor(random() * ACTIVITIES.length)], default_data: { leader: user },
        before_update_data: { status: 'pending' }, after_change_data: { status: 'active' }, log_timestamp: at,
      };
      if (broken) record.leader_activity = '';
      yield { record, valid: !broken };
      continue;
    }
    const fn = Math.floor(random() * FUNCTIONS.length);
    const failed = random() < 0.05;
    const record: Record<string, unknown> = {
      LogID: `${idPrefix}${String(n).padStart(10, '0')}`, endpoint: ENDPOINTS[fn % ENDPOINTS.length], timestamp: at,
      parameters: { user_id: user, page: Math.floor(random() * 10) + 1 }, function_name: FUNCTIONS[fn],
      http_method_type: METHODS[fn % 4], header: { 'Content-Type': 'application/json', 'X-User': user },
      log_message: failed ? 'Operation Failed' : 'Operation Successful', log_type: failed ? 'error' : TYPES[Math.floor(random() * TYPES.length)],
    };
    if (broken) {
      const rule = Math.floor(random() * 3);
      if (rule === 0) record.http_method_type = 'PATCH';
      else if (rule === 1) record.log_type = 'debug';
      else delete record.LogID;
    }
    yield { record, valid: !broken };
  }
}
