import { defineConfig } from 'drizzle-kit';

// An ordinary role owning its database, from the PG* environment (socket directory in PGHOST).
export default defineConfig({
  dialect: 'postgresql',
  schema: process.env.DRIZZLE_SCHEMA ?? './schemas/v5_fk.ts',
  out: './drizzle',
  dbCredentials: {
    host: process.env.PGHOST ?? '/tmp',
    port: Number(process.env.PGPORT ?? 5432),
    user: process.env.PGUSER,
    database: process.env.PGDATABASE!,
    ssl: false,
  },
  verbose: true,
  strict: false,
});
