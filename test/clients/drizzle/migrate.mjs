// Applies ./drizzle with drizzle-orm's own migrator (what `drizzle-kit migrate` runs),
// and prints the database error that `drizzle-kit migrate` swallows: message, SQLSTATE,
// DETAIL and HINT. Usage: node migrate.mjs [migrations folder]
import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';

const client = new pg.Client(); // PGHOST, PGPORT, PGUSER, PGDATABASE
await client.connect();
try {
  await migrate(drizzle(client), { migrationsFolder: process.argv[2] ?? './drizzle' });
  console.log('migrations applied');
} catch (e) {
  const err = e.cause ?? e; // drizzle-orm >= 0.44 wraps the pg error in cause
  console.error(`error: ${err.message}`);
  if (err.code) console.error(`SQLSTATE: ${err.code}`);
  if (err.detail) console.error(`DETAIL: ${err.detail}`);
  if (err.hint) console.error(`HINT: ${err.hint}`);
  process.exitCode = 1;
} finally {
  await client.end();
}
