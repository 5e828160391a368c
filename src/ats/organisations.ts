/**
 * Organisations (tenants) and their ATS connections. The default organisation's connections come from the
 * environment (a single-organisation deployment needs no database set-up); others are stored with their secrets
 * sealed, and a stored connection of the default organisation overrides the environment's.
 */
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../store/db.js';
import { organisations, type AtsConnectionSettings, type AtsVendor, type OrganisationSettings } from '../store/schema-ats.js';
import type { Config } from '../config.js';
import type { SecretBox } from './secret-box.js';

export const DEFAULT_ORG = 'default';
export const ORG_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

export interface Organisation {
  id: string;
  name: string;
  settings: OrganisationSettings;
  createdAt: Date;
}

/** A connection with its secrets opened: only ever held in memory, never logged or returned by the API. */
export interface AtsConnection {
  vendor: AtsVendor;
  webhookSecret?: string;
  apiKey?: string;
  actorId?: string;
  apiBaseUrl?: string;
  /** Where it came from (for the API's view). */
  source: 'environment' | 'organisation';
}

/** What the API shows of a connection: which secrets are set, never their values. */
export interface AtsConnectionView {
  vendor: AtsVendor;
  webhookSecretSet: boolean;
  apiKeySet: boolean;
  actorId: string | null;
  apiBaseUrl: string | null;
  source: 'environment' | 'organisation';
}

export interface OrganisationsRepo {
  create(input: { id: string; name: string; settings?: OrganisationSettings }): Promise<Organisation>;
  get(id: string): Promise<Organisation | null>;
  /** The default organisation exists implicitly; this makes its row when first needed. */
  ensureDefault(): Promise<void>;
  list(): Promise<Organisation[]>;
  updateSettings(id: string, patch: Pick<OrganisationSettings, 'callWindow' | 'callDays' | 'triggerStage'>): Promise<Organisation | null>;
  /** Seals the given secrets and stores the connection (fields left undefined keep their stored value). */
  setConnection(id: string, vendor: AtsVendor, input: { webhookSecret?: string; apiKey?: string; actorId?: string; apiBaseUrl?: string }): Promise<boolean>;
  removeConnection(id: string, vendor: AtsVendor): Promise<boolean>;
  /** The usable connection (stored, else for the default organisation the environment's), or null. */
  connection(id: string, vendor: AtsVendor): Promise<AtsConnection | null>;
  connections(id: string): Promise<AtsConnectionView[]>;
  /** The trigger stage of the organisation (its setting, else ATS_TRIGGER_STAGE). */
  triggerStage(id: string): Promise<string>;
}

function fromEnv(config: Config, vendor: AtsVendor): AtsConnection | null {
  const a = config.ats;
  const c: AtsConnection =
    vendor === 'greenhouse'
      ? { vendor, webhookSecret: a.greenhouse.webhookSecret, apiKey: a.greenhouse.apiKey, actorId: a.greenhouse.userId, apiBaseUrl: a.greenhouse.apiBaseUrl, source: 'environment' }
      : vendor === 'lever'
        ? { vendor, webhookSecret: a.lever.signatureToken, apiKey: a.lever.apiKey, actorId: a.lever.userId, apiBaseUrl: a.lever.apiBaseUrl, source: 'environment' }
        : vendor === 'ashby'
          ? { vendor, webhookSecret: a.ashby.webhookSecret, apiKey: a.ashby.apiKey, apiBaseUrl: a.ashby.apiBaseUrl, source: 'environment' }
          : { vendor, webhookSecret: a.generic.webhookSecret, source: 'environment' };
  return c.webhookSecret || c.apiKey ? c : null;
}

const DEFAULT_API_BASE: Record<AtsVendor, string | undefined> = {
  greenhouse: 'https://harvest.greenhouse.io',
  lever: 'https://api.lever.co',
  ashby: 'https://api.ashbyhq.com',
  generic: undefined,
};

export function createOrganisationsRepo(db: Db, config: Config, box: SecretBox | null): OrganisationsRepo {
  const toOrg = (r: typeof organisations.$inferSelect): Organisation => ({ id: r.id, name: r.name, settings: r.settings ?? {}, createdAt: r.createdAt });
  const get = async (id: string) => {
    const [row] = await db.select().from(organisations).where(eq(organisations.id, id)).limit(1);
    return row ? toOrg(row) : null;
  };
  const open = (sealed: string | undefined): string | undefined => {
    if (!sealed) return undefined;
    if (!box) throw new Error('ATS_SECRETS_KEY is not set: stored ATS secrets cannot be read');
    return box.open(sealed);
  };
  const write = async (id: string, settings: OrganisationSettings) => {
    const rows = await db.update(organisations).set({ settings, updatedAt: sql`now()` }).where(eq(organisations.id, id)).returning({ id: organisations.id });
    return rows.length > 0;
  };
  const repo: OrganisationsRepo = {
    async create(input) {
      if (!ORG_ID.test(input.id)) throw new Error(`organisation id "${input.id}" must be lower-case letters, digits and dashes (1–63)`);
      const [row] = await db.insert(organisations).values({ id: input.id, name: input.name, settings: input.settings ?? {} }).returning();
      return toOrg(row!);
    },
    get,
    async ensureDefault() {
      await db.insert(organisations).values({ id: DEFAULT_ORG, name: 'Default organisation' }).onConflictDoNothing();
    },
    async list() {
      return (await db.select().from(organisations).orderBy(organisations.id)).map(toOrg);
    },
    async updateSettings(id, patch) {
      const org = await get(id);
      if (!org) return null;
      const settings = { ...org.settings, ...patch };
      await write(id, settings);
      return { ...org, settings };
    },
    async setConnection(id, vendor, input) {
      if (id === DEFAULT_ORG) await repo.ensureDefault();
      const org = await get(id);
      if (!org) return false;
      if ((input.webhookSecret || input.apiKey) && !box) throw new Error('ATS_SECRETS_KEY is not set: ATS secrets cannot be stored in production without it');
      const prev: AtsConnectionSettings = org.settings.connections?.[vendor] ?? {};
      const next: AtsConnectionSettings = {
        ...prev,
        ...(input.webhookSecret !== undefined ? { webhookSecret: box!.seal(input.webhookSecret) } : {}),
        ...(input.apiKey !== undefined ? { apiKey: box!.seal(input.apiKey) } : {}),
        ...(input.actorId !== undefined ? { actorId: input.actorId } : {}),
        ...(input.apiBaseUrl !== undefined ? { apiBaseUrl: input.apiBaseUrl } : {}),
      };
      return write(id, { ...org.settings, connections: { ...org.settings.connections, [vendor]: next } });
    },
    async removeConnection(id, vendor) {
      const org = await get(id);
      if (!org?.settings.connections?.[vendor]) return false;
      const connections = { ...org.settings.connections };
      delete connections[vendor];
      return write(id, { ...org.settings, connections });
    },
    async connection(id, vendor) {
      const org = await get(id);
      const stored = org?.settings.connections?.[vendor];
      if (stored) {
        return {
          vendor,
          webhookSecret: open(stored.webhookSecret),
          apiKey: open(stored.apiKey),
          actorId: stored.actorId,
          apiBaseUrl: stored.apiBaseUrl ?? DEFAULT_API_BASE[vendor],
          source: 'organisation',
        };
      }
      return id === DEFAULT_ORG ? fromEnv(config, vendor) : null;
    },
    async connections(id) {
      const out: AtsConnectionView[] = [];
      for (const vendor of ['greenhouse', 'lever', 'ashby', 'generic'] as const) {
        const org = await get(id);
        const stored = org?.settings.connections?.[vendor];
        const c: { webhookSecret?: string; apiKey?: string; actorId?: string; apiBaseUrl?: string; source: AtsConnectionView['source'] } | null = stored
          ? { ...stored, source: 'organisation' }
          : id === DEFAULT_ORG
            ? fromEnv(config, vendor)
            : null;
        if (c) out.push({ vendor, webhookSecretSet: !!c.webhookSecret, apiKeySet: !!c.apiKey, actorId: c.actorId ?? null, apiBaseUrl: c.apiBaseUrl ?? null, source: c.source });
      }
      return out;
    },
    async triggerStage(id) {
      const org = await get(id);
      return org?.settings.triggerStage?.trim() || config.ats.triggerStage;
    },
  };
  return repo;
}
