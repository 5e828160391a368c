/**
 * Fault injection shared by every provider simulator. A test arms a fault for the next request (`once`) or for
 * all requests (`always`) until `reset()`; each simulator applies the fields that make sense for its protocol.
 */
export interface Fault {
  /** Refuse the connection / answer nothing and destroy the socket. */
  refuseConnection?: boolean;
  /** Answer this HTTP status (429, 500, 503 …) with a vendor-shaped error body, or close a socket with an error. */
  status?: number;
  /** Delay before the first chunk / token / byte. */
  firstChunkDelayMs?: number;
  /** Send this many chunks, then drop the connection abruptly. */
  dropAfterChunks?: number;
  /** Send this many chunks, then stall (keep the connection open, send nothing more). */
  stallAfterChunks?: number;
}

export class FaultSwitch {
  private oneShot: Fault[] = [];
  private persistent: Fault | undefined;

  /** Apply `fault` to the next request only (queue several for successive requests). */
  once(fault: Fault): this {
    this.oneShot.push(fault);
    return this;
  }

  /** Apply `fault` to every request until `reset()`. */
  always(fault: Fault): this {
    this.persistent = fault;
    return this;
  }

  reset(): void {
    this.oneShot = [];
    this.persistent = undefined;
  }

  /** Called by a simulator once per incoming request/connection. */
  take(): Fault {
    return this.oneShot.shift() ?? this.persistent ?? {};
  }
}

/** Simulated provider latency, fixed or drawn uniformly from [min, max]. */
export interface LatencyProfile {
  firstChunkMs: number;
  jitterMs?: number;
}

/**
 * What a simulator meant to wait and what it took (request in → first byte out, on its own clock): its timer's
 * lateness and its event loop's pauses are the test rig's, not the service's, and the load report shows them apart.
 */
export interface LatencyObservation {
  /** The text the delayed message answers or carries (a transcript, a sentence). */
  text: string;
  intendedMs: number;
  actualMs: number;
}

export function drawLatencyMs(profile: LatencyProfile | undefined): number {
  if (!profile) return 0;
  const jitter = profile.jitterMs ?? 0;
  return Math.max(0, profile.firstChunkMs + (jitter ? (Math.random() * 2 - 1) * jitter : 0));
}
