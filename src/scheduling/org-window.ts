/**
 * The calling window of an organisation: its own settings when the `organisations` table holds some
 * (`settings.callWindow` "HH:MM-HH:MM", `settings.callDays` "mon-fri"), else CALL_WINDOW / CALL_DAYS. Always
 * clamped to the legal 08:00–21:00.
 */
import { sql } from 'drizzle-orm';
import type { Config } from '../config.js';
import type { Logger } from '../lib/logger.js';
import type { Store } from '../store/store.js';
import { pgErrorCode, rowsOf } from '../store/db.js';
import { clampWindow, parseDays, parseWindow, type CallWindow } from './call-window.js';

export interface TenantWindow {
  window: CallWindow;
  source: 'organisation' | 'environment';
  clamped: boolean;
}

export function envWindow(config: Config): CallWindow {
  const s = config.scheduling;
  return { startMin: s.windowStartMin, endMin: s.windowEndMin, days: [...s.days] };
}

/** Settings as stored by the organisations module; unknown shapes are ignored (the environment decides). */
export function windowFromSettings(settings: unknown, fallback: CallWindow): { window: CallWindow; fromOrg: boolean } {
  const s = (settings ?? {}) as { callWindow?: unknown; callDays?: unknown };
  let window = fallback;
  let fromOrg = false;
  if (typeof s.callWindow === 'string') {
    try {
      window = { ...window, ...parseWindow(s.callWindow) };
      fromOrg = true;
    } catch {
      // A malformed stored window never widens anything: the environment's stands.
    }
  }
  if (typeof s.callDays === 'string') {
    try {
      window = { ...window, days: parseDays(s.callDays) };
      fromOrg = true;
    } catch {
      // As above.
    }
  }
  return { window, fromOrg };
}

export async function windowForTenant(deps: { store: Store; config: Config; log: Logger }, tenantId: string): Promise<TenantWindow> {
  const fallback = envWindow(deps.config);
  let settings: unknown;
  try {
    const rows = rowsOf<{ settings: unknown }>(await deps.store.db.execute(sql`select settings from organisations where id = ${tenantId} limit 1`));
    settings = rows[0]?.settings;
  } catch (err) {
    // No organisations table (single-organisation deployment) or no settings column: the environment decides.
    const code = pgErrorCode(err);
    if (code !== '42P01' && code !== '42703') {
      deps.log.warn({ err, tenantId }, 'could not read the organisation calling window; using CALL_WINDOW');
    }
  }
  const { window, fromOrg } = windowFromSettings(typeof settings === 'string' ? safeJson(settings) : settings, fallback);
  const clamped = clampWindow(window);
  return { window: clamped.window, source: fromOrg ? 'organisation' : 'environment', clamped: clamped.clamped };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
