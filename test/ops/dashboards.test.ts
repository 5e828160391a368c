/**
 * docs/operations/grafana-dashboard.json and alerts.yml parse, have the shape Grafana and Prometheus load, and name
 * only series the app registers — so a renamed metric fails here instead of leaving a blank panel or a dead alert.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startTestApp, type TestApp } from '../helpers/app.js';

const read = (name: string) => readFile(new URL(`../../docs/operations/${name}`, import.meta.url), 'utf8');
const namesIn = (expr: string) => [...expr.matchAll(/\bscreenline_[a-z0-9_]+/g)].map((m) => m[0]);

describe('dashboard and alert rules', () => {
  let t: TestApp;
  const series = new Set<string>();
  beforeAll(async () => {
    t = await startTestApp();
    for (const m of await t.app.metrics.registry.getMetricsAsJSON()) {
      series.add(m.name);
      if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) series.add(m.name + s);
      if (String(m.type) === 'summary') for (const s of ['_sum', '_count']) series.add(m.name + s);
    }
  }, 120_000);
  afterAll(async () => t?.close());

  it('the Grafana dashboard is a dashboard whose every query uses registered series', async () => {
    const dash = JSON.parse(await read('grafana-dashboard.json')) as {
      uid: string;
      title: string;
      schemaVersion: number;
      panels: { id: number; type: string; title: string; gridPos: { x: number; y: number; w: number; h: number }; targets: { expr: string; refId: string }[] }[];
    };
    expect(dash.uid).toBeTruthy();
    expect(dash.schemaVersion).toBeGreaterThanOrEqual(30);
    expect(dash.panels.length).toBeGreaterThanOrEqual(15);
    expect(new Set(dash.panels.map((p) => p.id)).size).toBe(dash.panels.length);
    const used = new Set<string>();
    for (const panel of dash.panels) {
      expect(panel.gridPos.x + panel.gridPos.w, panel.title).toBeLessThanOrEqual(24);
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets) {
        const names = namesIn(target.expr);
        expect(names.length, `${panel.title}: ${target.expr}`).toBeGreaterThan(0);
        for (const n of names) used.add(n);
      }
    }
    expect([...used].filter((n) => !series.has(n))).toEqual([]);
    // The things issue 14 asks the dashboard to show.
    for (const n of ['screenline_live_calls', 'screenline_turn_stage_seconds_bucket', 'screenline_barge_ins_total', 'screenline_provider_fallbacks_total', 'screenline_errors_total', 'screenline_queue_depth', 'screenline_job_duration_seconds_bucket', 'screenline_nodejs_eventloop_lag_p99_seconds', 'screenline_nodejs_gc_duration_seconds_bucket', 'screenline_interview_cost_estimate_sum']) {
      expect(used.has(n), n).toBe(true);
    }
  });

  it('the alert rules load as Prometheus rule groups over registered series, with the four thresholds', async () => {
    const doc = parse(await read('alerts.yml')) as { groups: { name: string; rules: { alert: string; expr: string; for?: string; labels?: object; annotations?: { summary?: string } }[] }[] };
    const rules = doc.groups.flatMap((g) => g.rules);
    for (const rule of rules) {
      expect(rule.alert).toMatch(/^[A-Za-z][A-Za-z0-9]+$/);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
      const names = namesIn(rule.expr);
      expect(names.length, rule.alert).toBeGreaterThan(0);
      expect(names.filter((n) => !series.has(n)), rule.alert).toEqual([]);
      // Balanced brackets: a cheap guard against a broken expression.
      for (const [open, close] of [['(', ')'], ['[', ']'], ['{', '}']] as const) expect(rule.expr.split(open).length, rule.alert).toBe(rule.expr.split(close).length);
    }
    const byName = Object.fromEntries(rules.map((r) => [r.alert, r]));
    expect(byName.ScreenlineHttpErrorRate!.expr).toMatch(/> 0\.02\s*$/);
    expect(byName.ScreenlineHttpErrorRate!.for).toBe('5m');
    expect(byName.ScreenlineCallErrorRate!.expr).toMatch(/> 0\.02\s*$/);
    expect(byName.ScreenlineSlowTurns!.expr).toMatch(/histogram_quantile\(0\.95,[\s\S]*> 1\.5\s*$/);
    // max by job: every process scraped (web and worker) reads the same depth from Redis.
    expect(byName.ScreenlineQueueBacklog!.expr).toMatch(/max by \(job\) \(screenline_queue_depth\{state="waiting"\}\)\) > 50$/);
    expect(byName.ScreenlineEventLoopLag!.expr).toMatch(/eventloop_lag_p99_seconds[\s\S]*> 0\.05$/);
  });
});
