// Prometheus metrics of one Tributary process, served at /metrics.
import { Registry, Counter, Histogram, Gauge, collectDefaultMetrics } from 'prom-client';

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class Metrics {
  readonly registry = new Registry();
  readonly ingestedRecords = new Counter({ name: 'tributary_ingested_records_total', help: 'Records accepted by ingest (acknowledged)', labelNames: ['stream'], registers: [this.registry] });
  readonly ingestedBytes = new Counter({ name: 'tributary_ingested_bytes_total', help: 'Bytes of the records accepted by ingest', labelNames: ['stream'], registers: [this.registry] });
  readonly rejectedRequests = new Counter({ name: 'tributary_ingest_rejected_total', help: 'Ingest requests refused (bad input, backlog full, too large, log unavailable)', labelNames: ['code'], registers: [this.registry] });
  readonly logAppendSeconds = new Histogram({ name: 'tributary_log_append_seconds', help: 'Time from produce to durable in the log', buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly storeWriteSeconds = new Histogram({ name: 'tributary_store_write_seconds', help: 'Time to write one batch to the store, durable', buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly indexedRecords = new Counter({ name: 'tributary_indexed_records_total', help: 'Records written to the store by the indexer', labelNames: ['stream'], registers: [this.registry] });
  readonly deadLetters = new Counter({ name: 'tributary_dead_letters_total', help: 'Records the store refused, written to the dead-letter stream with the reason', labelNames: ['stream'], registers: [this.registry] });
  readonly querySeconds = new Histogram({ name: 'tributary_query_seconds', help: 'Query latency', labelNames: ['kind'], buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly processorLag = new Gauge({ name: 'tributary_processor_lag', help: 'Messages in the log not yet processed by a group', labelNames: ['group', 'topic', 'partition'], registers: [this.registry] });

  readonly pipelineRecordsIn = new Counter({ name: 'tributary_pipeline_records_in_total', help: 'Records a pipeline read from its input', labelNames: ['pipeline'], registers: [this.registry] });
  readonly pipelineRecordsOut = new Counter({ name: 'tributary_pipeline_records_out_total', help: 'Records a pipeline wrote, per output', labelNames: ['pipeline', 'output'], registers: [this.registry] });
  readonly pipelineDeadLetters = new Counter({ name: 'tributary_pipeline_dead_letters_total', help: 'Records a pipeline step rejected, written to the dead-letter topic', labelNames: ['pipeline', 'step'], registers: [this.registry] });
  readonly pipelineStateBytes = new Gauge({ name: 'tributary_pipeline_state_bytes', help: 'Size of a pipeline\'s last checkpoint (step state and offsets)', labelNames: ['pipeline'], registers: [this.registry] });
  readonly pipelineWorkers = new Gauge({ name: 'tributary_pipeline_workers', help: 'Workers (consumer group members) a pipeline runs in this process', labelNames: ['pipeline'], registers: [this.registry] });
  readonly pipelineBacklog = new Gauge({ name: 'tributary_pipeline_backlog', help: 'Records of an autoscaled pipeline\'s input no worker has read yet, at the last check', labelNames: ['pipeline'], registers: [this.registry] });
  readonly pipelineScalingEvents = new Counter({ name: 'tributary_pipeline_scaling_events_total', help: 'Times the autoscaler started (up) or stopped (down) workers of a pipeline', labelNames: ['pipeline', 'direction'], registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'tributary_' });
  }
}
