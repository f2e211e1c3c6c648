/**
 * The local router's Prometheus metrics. The Prometheus metrics provider queries these names, so
 * they are defined once here. Every series carries the labels `app` and `version`.
 */
export const ROUTER_METRICS = {
  requests: 'tollgate_router_requests_total',
  errors: 'tollgate_router_errors_total',
  /** Histogram of non-error responses, in seconds. */
  duration: 'tollgate_router_request_duration_seconds',
} as const;

/** Fine enough below 1 s that a latency shift of tens of milliseconds moves requests across buckets. */
export const DURATION_BUCKETS_SECONDS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 10,
];
