// The `route` step: sends each record to an output chosen by predicates written in the query
// language (docs/query-language.md), so one language serves search and routing.
//
//   - route:
//       routes: [{ when: 'leaderAction:*', to: LeaderActivityLogs }]
//       default: logs        # unmatched records; absent: left as they are; null: dropped
//       all: false           # true: a copy to every matching route
import type { PipelineRecord, Step, StepContext, StepKind, StepResult } from '../../step.ts';
import { parseQuery } from '../../../query/parser.ts';
import { compilePredicate, type EvalRecord, type RecordPredicate } from '../../../query/evaluate.ts';
import { evalRecord } from '../../record-predicate.ts';

export interface RouteOptions {
  routes: Array<{ when: string; to: string }>;
  default?: string | null;
  all?: boolean;
}

interface CompiledRoute {
  matches: RecordPredicate;
  to: string;
}

const OPTIONS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['routes'],
  properties: {
    routes: {
      type: 'array',
      minItems: 1,
      description: 'Tried in order; the first route whose query matches the record wins (every match with `all`).',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['when', 'to'],
        properties: {
          when: { type: 'string', description: 'A query (docs/query-language.md) on the record.' },
          to: { type: 'string', minLength: 1, description: 'The output the matching records go to.' },
        },
      },
    },
    default: {
      type: ['string', 'null'],
      minLength: 1,
      description: 'The output of records no route matches. Absent: they keep their output (unset: the pipeline\'s default). null: they are dropped.',
    },
    all: { type: 'boolean', default: false, description: 'Send a copy of the record to every matching route, not only the first.' },
  },
};

function compileRoutes(options: RouteOptions, context: StepContext): CompiledRoute[] {
  return options.routes.map((route, index) => {
    try {
      return { matches: compilePredicate(parseQuery(route.when), { now: () => context.now() }), to: route.to };
    } catch (error) {
      throw new Error(`route: routes[${index}].when '${route.when}': ${(error as Error).message}`);
    }
  });
}

function firstMatch(routes: CompiledRoute[], record: EvalRecord): CompiledRoute[] {
  const route = routes.find((candidate) => candidate.matches(record));
  return route ? [route] : [];
}

export const routeStep: StepKind<RouteOptions> = {
  name: 'route',
  description: 'Sends each record to the output of the first route whose query it matches (or of every match).',
  options: OPTIONS_SCHEMA,
  create(options, context): Step {
    const routes = compileRoutes(options, context);
    const all = options.all ?? false;
    const unmatched = options.default;
    return {
      process(records): StepResult {
        const out: PipelineRecord[] = [];
        for (const record of records) {
          const view = evalRecord(record);
          const targets = all ? routes.filter((route) => route.matches(view)) : firstMatch(routes, view);
          if (targets.length === 0) {
            if (unmatched === undefined) out.push(record);
            else if (unmatched !== null) out.push({ ...record, output: unmatched });
          } else if (targets.length === 1) {
            out.push({ ...record, output: targets[0]!.to });
          } else {
            // Each copy gets its own body, so a later step changing one output's record leaves the others alone.
            targets.forEach((route, i) => out.push({ ...record, body: i === 0 ? record.body : structuredClone(record.body), output: route.to }));
          }
        }
        return { records: out, rejected: [] };
      },
    };
  },
};
