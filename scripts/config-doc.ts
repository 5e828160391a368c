/** Prints the variables table for docs/configuration.md from src/config.ts (`npx tsx scripts/config-doc.ts`). */
import { VARIABLES } from '../src/config.js';

let group = '';
for (const v of VARIABLES) {
  if (v.group !== group) {
    group = v.group;
    process.stdout.write(`\n### ${group[0]!.toUpperCase()}${group.slice(1)}\n\n| variable | default | meaning |\n|---|---|---|\n`);
  }
  process.stdout.write(`| \`${v.name}\` | ${v.default ? '`' + v.default + '`' : '—'} | ${v.doc} |\n`);
}
