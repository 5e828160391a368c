/** One reading of an event-loop delay monitor, as every process of the load run reports its own. */
import type { IntervalHistogram } from 'node:perf_hooks';

/**
 * p99 and max in ms, less the monitor's smallest interval: at 10 ms resolution every sample includes the timer's
 * own 10 ms, so that (never more) is removed, as for the service's /metrics (scrapeMetrics).
 */
export function loopLagMs(h: IntervalHistogram): { p99Ms: number; maxMs: number } {
  const floorMs = Math.min(h.min / 1e6, 10);
  return { p99Ms: Math.max(0, h.percentile(99) / 1e6 - floorMs), maxMs: Math.max(0, h.max / 1e6 - floorMs) };
}
