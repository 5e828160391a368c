/**
 * Health of the providers behind a fallback wrapper: which are usable, background probes that restore a failed
 * provider, and the events every change produces. Probe timers are unref'd and `close()` stops them all, so a
 * wrapper never keeps the process alive.
 *
 * One board per process and port holds the shared providers (`parent`); each call's wrapper gets a child board
 * whose entries for those providers are the parent's own objects, so an outage found on one call spares the next
 * calls the timeout. A shared entry's probes run on the parent, so they outlive the call that found the outage.
 */
import type { ProviderError } from '../errors.js';
import type { RecordEvent } from '../../store/events/catalogue.js';

export type FallbackPort = 'llm' | 'tts';
/** Receives 'provider.fallback', 'provider.unhealthy', 'provider.restored', 'provider.exhausted'. */
export type FallbackEventSink = RecordEvent;

export interface ProviderStatus {
  name: string;
  healthy: boolean;
  /** ISO time the provider was marked unhealthy. */
  unhealthySince?: string;
  lastErrorKind?: string;
  lastError?: string;
  /** A background probe is scheduled or running. */
  probing: boolean;
}

export interface HealthEntry<P> {
  readonly provider: P;
  /** Unique among the wrapper's providers (a `#2` suffix disambiguates equal names). */
  readonly name: string;
  healthy: boolean;
  unhealthySince?: number;
  lastError?: ProviderError;
  probeTimer?: NodeJS.Timeout;
  probeAbort?: AbortController;
}

export interface HealthBoardOptions<P> {
  port: FallbackPort;
  /** Resolves if the provider answers, rejects otherwise; must honour `signal`. */
  probe: (provider: P, signal: AbortSignal) => Promise<void>;
  probeIntervalMs: number;
  probeTimeoutMs: number;
  onEvent?: FallbackEventSink;
}

export class HealthBoard<P extends { readonly name: string }> {
  readonly entries: HealthEntry<P>[];
  private closed = false;
  /** Entries this board created (and probes); the rest belong to the parent. */
  private readonly owned = new Set<HealthEntry<P>>();

  constructor(
    providers: readonly P[],
    private readonly opts: HealthBoardOptions<P>,
    private readonly parent?: HealthBoard<P>,
  ) {
    if (providers.length === 0) throw new Error(`fallback ${opts.port}: at least one provider is required`);
    const seen = new Map<string, number>();
    this.entries = providers.map((provider) => {
      const shared = parent?.entries.find((e) => e.provider === provider);
      if (shared) {
        seen.set(provider.name, (seen.get(provider.name) ?? 0) + 1);
        return shared;
      }
      const n = (seen.get(provider.name) ?? 0) + 1;
      seen.set(provider.name, n);
      const entry: HealthEntry<P> = { provider, name: n === 1 ? provider.name : `${provider.name}#${n}`, healthy: true };
      this.owned.add(entry);
      return entry;
    });
  }

  /** A board for one call over `providers`: entries the process board already holds are shared with it. */
  child(providers: readonly P[], onEvent?: FallbackEventSink): HealthBoard<P> {
    return new HealthBoard(providers, { ...this.opts, onEvent }, this);
  }

  private ownerOf(entry: HealthEntry<P>): HealthBoard<P> {
    return this.owned.has(entry) || !this.parent ? this : this.parent.ownerOf(entry);
  }

  /** Healthy providers in configured order, then the unhealthy ones as a last resort. */
  order(): HealthEntry<P>[] {
    return [...this.entries.filter((e) => e.healthy), ...this.entries.filter((e) => !e.healthy)];
  }

  emit(type: 'provider.fallback' | 'provider.exhausted' | 'provider.unhealthy' | 'provider.restored', payload: Record<string, unknown>): void {
    for (const board of [this, this.parent]) {
      try {
        // The payloads below are built to the catalogue's shapes; the union of four types defeats inference.
        (board?.opts.onEvent as ((t: string, p: Record<string, unknown>) => void) | undefined)?.(type, { port: this.opts.port, ...payload });
      } catch {
        // A failing event sink must not break a live call.
      }
    }
  }

  markUnhealthy(entry: HealthEntry<P>, err: ProviderError): void {
    entry.lastError = err;
    if (!entry.healthy || this.closed) return;
    entry.healthy = false;
    entry.unhealthySince = Date.now();
    this.emit('provider.unhealthy', { provider: entry.name, reason: err.message, kind: err.kind });
    this.ownerOf(entry).scheduleProbe(entry);
  }

  markHealthy(entry: HealthEntry<P>, via: 'probe' | 'request'): void {
    if (entry.healthy) return;
    const downForMs = entry.unhealthySince === undefined ? undefined : Date.now() - entry.unhealthySince;
    entry.healthy = true;
    entry.unhealthySince = undefined;
    this.stopProbe(entry);
    this.emit('provider.restored', { provider: entry.name, via, downForMs });
  }

  isHealthy(name: string): boolean {
    const entry = this.entries.find((e) => e.name === name);
    if (!entry) throw new Error(`fallback ${this.opts.port}: no provider named ${name}`);
    return entry.healthy;
  }

  status(): ProviderStatus[] {
    return this.entries.map((e) => ({
      name: e.name,
      healthy: e.healthy,
      unhealthySince: e.unhealthySince === undefined ? undefined : new Date(e.unhealthySince).toISOString(),
      lastErrorKind: e.lastError?.kind,
      lastError: e.lastError?.message,
      probing: e.probeTimer !== undefined || e.probeAbort !== undefined,
    }));
  }

  /** Stops this board's own probes; shared entries keep being probed by the process board. */
  close(): void {
    this.closed = true;
    for (const entry of this.owned) this.stopProbe(entry);
  }

  private scheduleProbe(entry: HealthEntry<P>): void {
    if (this.closed || entry.healthy || entry.probeTimer || entry.probeAbort) return;
    entry.probeTimer = setTimeout(() => {
      entry.probeTimer = undefined;
      // runProbe catches the probe's own failure; this catch is for a bug in the bookkeeping.
      this.runProbe(entry).catch(() => undefined);
    }, this.opts.probeIntervalMs);
    entry.probeTimer.unref();
  }

  private async runProbe(entry: HealthEntry<P>): Promise<void> {
    if (this.closed || entry.healthy) return;
    const controller = new AbortController();
    entry.probeAbort = controller;
    const deadline = setTimeout(() => controller.abort(), this.opts.probeTimeoutMs);
    deadline.unref();
    let ok = false;
    try {
      await this.opts.probe(entry.provider, controller.signal);
      ok = !controller.signal.aborted;
    } catch {
      ok = false;
    } finally {
      clearTimeout(deadline);
      if (!controller.signal.aborted) controller.abort();
      if (entry.probeAbort === controller) entry.probeAbort = undefined;
    }
    if (this.closed) return;
    if (ok) this.markHealthy(entry, 'probe');
    else this.scheduleProbe(entry);
  }

  private stopProbe(entry: HealthEntry<P>): void {
    clearTimeout(entry.probeTimer);
    entry.probeTimer = undefined;
    entry.probeAbort?.abort();
    entry.probeAbort = undefined;
  }
}
