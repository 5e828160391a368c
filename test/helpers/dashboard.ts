/** Builds the dashboard bundle (src/web/dashboard) when it is missing, like `npm run build:web` would. */
import { join } from 'node:path';
import { dashboardBuilt } from '../../src/routes/dashboard/index.js';
import { PACKAGE_ROOT } from '../../src/workspace/web-assets.js';

let building: Promise<void> | undefined;

export function buildDashboard(): Promise<void> {
  if (dashboardBuilt()) return Promise.resolve();
  building ??= import('vite').then(async (vite) => {
    await vite.build({ configFile: join(PACKAGE_ROOT, 'src', 'web', 'dashboard', 'vite.config.ts'), logLevel: 'error' });
  });
  return building;
}

/** Reads a Server-Sent Events stream into parsed events (`event` name and JSON `data`). */
export function parseSse(chunk: string): { event: string; data: string; id?: string }[] {
  const out: { event: string; data: string; id?: string }[] = [];
  for (const block of chunk.split('\n\n')) {
    let event = 'message';
    let data = '';
    let id: string | undefined;
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data += line.slice(6);
      else if (line.startsWith('id: ')) id = line.slice(4);
    }
    if (data) out.push({ event, data, id });
  }
  return out;
}
