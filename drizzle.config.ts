import { defineConfig } from 'drizzle-kit';

// `npm run db:generate` writes SQL migrations from the schema; no database is needed to generate.
// schema.ts holds the core tables; each capability keeps its own tables in schema-<capability>.ts.
export default defineConfig({
  dialect: 'postgresql',
  schema: ['./src/store/schema.ts', './src/store/schema-*.ts'],
  out: './src/store/migrations',
});
