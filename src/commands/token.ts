import type { Config } from '../config.js';
import { openStore } from '../store/store.js';
import { createLogger } from '../lib/logger.js';
import { createOrganisationsRepo, DEFAULT_ORG } from '../ats/organisations.js';
import { flags } from './org.js';

export async function token(config: Config, args: string[]): Promise<number> {
  const { positional, named } = flags(args);
  const [sub, label = 'cli'] = positional;
  const orgId = named.org || DEFAULT_ORG;
  if (sub !== 'create') {
    process.stderr.write('usage: screenline token create [label] [--org <organisation>]\n');
    return 2;
  }
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, log: createLogger('warn') });
  try {
    const orgs = createOrganisationsRepo(store.db, config, null);
    await orgs.ensureDefault();
    if (!(await orgs.get(orgId))) {
      process.stderr.write(`no organisation "${orgId}" (screenline org create ${orgId} --name …)\n`);
      return 1;
    }
    const issued = await store.apiTokens.issue(label, orgId);
    process.stdout.write(`API token "${label}" for organisation "${orgId}" (shown once, stored hashed):\n${issued.token}\n`);
    return 0;
  } finally {
    await store.close();
  }
}
