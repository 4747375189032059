import { collectDefaultMetrics, Registry } from 'prom-client'

/** Created on first use, then shared by every server of the process. */
let shared: Registry | undefined

/**
 * The registry of prom-client's default process metrics (CPU, memory, heap, handles, GC, file
 * descriptors: `process_*` and `nodejs_*`), created once per process and shared by every server in
 * it.
 *
 * Why shared and never closed: these values describe the process, not one server, so one copy is
 * right; and `collectDefaultMetrics` starts an event-loop monitor and a GC observer that prom-client
 * offers no way to stop, so calling it per server would leak one of each per server (tests start
 * many servers in one process). One monitor and one observer per process is cheap and lives as long
 * as the process. It is not prom-client's global default registry, so nothing else registered there
 * can clash with it.
 */
export function processMetricsRegistry(): Registry {
  if (!shared) {
    shared = new Registry()
    collectDefaultMetrics({ register: shared })
  }
  return shared
}
