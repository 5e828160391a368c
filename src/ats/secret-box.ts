/**
 * Seals the ATS secrets kept in an organisation's settings (webhook secrets must be readable to verify an HMAC,
 * so they are encrypted, not hashed): AES-256-GCM under a key from ATS_SECRETS_KEY, or outside production a key
 * generated once into `$DATA_DIR/ats-secrets-key`. A sealed value reads `v1.<iv>.<tag>.<ciphertext>` (base64url).
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { localSecret, randomToken } from '../lib/secrets.js';

export interface SecretBox {
  seal(plain: string): string;
  /** Throws on a value sealed under another key or tampered with. */
  open(sealed: string): string;
}

export function createSecretBox(keyMaterial: string): SecretBox {
  // Any length of key material becomes 32 bytes; the variable's doc asks for ≥ 32 random characters.
  const key = createHash('sha256').update(`screenline-ats-secrets:${keyMaterial}`).digest();
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
    },
    open(sealed) {
      const [v, iv, tag, body] = sealed.split('.');
      if (v !== 'v1' || !iv || !tag || body === undefined) throw new Error('not a sealed secret');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}

/** The box from config: ATS_SECRETS_KEY, else (not in production) a key kept under DATA_DIR; null = none. */
export async function secretBoxFromConfig(config: { nodeEnv: string; dataDir: string; ats: { secretsKey?: string } }): Promise<SecretBox | null> {
  if (config.ats.secretsKey) return createSecretBox(config.ats.secretsKey);
  if (config.nodeEnv === 'production') return null;
  const local = await localSecret(config.dataDir, 'ats-secrets-key', () => randomToken('', 32));
  return createSecretBox(local.value);
}
