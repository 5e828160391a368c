/**
 * `screenline org create <id> --name <name>`, `org list`, `org connect <id> <vendor> [--webhook-secret s]
 * [--api-key k] [--actor-id u] [--api-base-url url]`, `org set <id> [--call-window 09:00-20:00] [--call-days mon-fri]
 * [--trigger-stage name]`. Secrets are sealed before they are stored and never printed.
 */
import type { Config } from '../config.js';
import { openStore } from '../store/store.js';
import { createLogger } from '../lib/logger.js';
import { createOrganisationsRepo } from '../ats/organisations.js';
import { secretBoxFromConfig } from '../ats/secret-box.js';
import { ATS_VENDORS, type AtsVendor } from '../store/schema-ats.js';

const USAGE = `usage: screenline org create <id> --name <name>
       screenline org list
       screenline org connect <id> <greenhouse|lever|ashby|generic> [--webhook-secret S] [--api-key K] [--actor-id U] [--api-base-url URL]
       screenline org set <id> [--call-window HH:MM-HH:MM] [--call-days mon-fri] [--trigger-stage NAME]
`;

/** `--flag value` pairs after the positional arguments. */
export function flags(args: string[]): { positional: string[]; named: Record<string, string> } {
  const positional: string[] = [];
  const named: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) named[a.slice(2, eq)] = a.slice(eq + 1);
      else named[a.slice(2)] = args[++i] ?? '';
    } else positional.push(a);
  }
  return { positional, named };
}

export async function org(config: Config, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { positional, named } = flags(rest);
  if (!sub || !['create', 'list', 'connect', 'set'].includes(sub)) {
    process.stderr.write(USAGE);
    return 2;
  }
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, log: createLogger('warn') });
  try {
    const orgs = createOrganisationsRepo(store.db, config, await secretBoxFromConfig(config));
    await orgs.ensureDefault();
    if (sub === 'list') {
      for (const o of await orgs.list()) {
        const conns = (await orgs.connections(o.id)).map((c) => c.vendor).join(', ') || 'no ATS';
        process.stdout.write(`${o.id}\t${o.name}\t${conns}\n`);
      }
      return 0;
    }
    const id = positional[0];
    if (!id) {
      process.stderr.write(USAGE);
      return 2;
    }
    if (sub === 'create') {
      if (!named.name) {
        process.stderr.write(USAGE);
        return 2;
      }
      if (await orgs.get(id)) {
        process.stderr.write(`organisation "${id}" already exists\n`);
        return 1;
      }
      await orgs.create({ id, name: named.name });
      process.stdout.write(`organisation "${id}" created. Issue it a token: screenline token create <label> --org ${id}\n`);
      return 0;
    }
    if (!(await orgs.get(id))) {
      process.stderr.write(`no organisation "${id}" (screenline org create ${id} --name …)\n`);
      return 1;
    }
    if (sub === 'set') {
      await orgs.updateSettings(id, {
        ...(named['call-window'] ? { callWindow: named['call-window'] } : {}),
        ...(named['call-days'] ? { callDays: named['call-days'] } : {}),
        ...(named['trigger-stage'] ? { triggerStage: named['trigger-stage'] } : {}),
      });
      process.stdout.write(`organisation "${id}" updated\n`);
      return 0;
    }
    const vendor = positional[1] as AtsVendor;
    if (!ATS_VENDORS.includes(vendor)) {
      process.stderr.write(USAGE);
      return 2;
    }
    await orgs.setConnection(id, vendor, {
      webhookSecret: named['webhook-secret'],
      apiKey: named['api-key'],
      actorId: named['actor-id'],
      apiBaseUrl: named['api-base-url'],
    });
    const path = `/webhooks/ats/${vendor}${id === 'default' ? '' : `/${id}`}`;
    process.stdout.write(`${vendor} connected for "${id}" (secrets sealed). Webhook URL: ${config.publicUrl}${path}\n`);
    return 0;
  } finally {
    await store.close();
  }
}
