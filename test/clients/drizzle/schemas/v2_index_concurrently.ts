// + the same index built CONCURRENTLY: works with `drizzle-kit push` (no transaction), not with migrate
import { bigint, bigserial, index, pgTable, text } from 'drizzle-orm/pg-core';

export const users = pgTable('users', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  firstName: text('first_name').notNull(),
  lastName: text('last_name').notNull(),
  email: text('email'),
}, (t) => [index('users_email_idx').on(t.email).concurrently()]);

export const orders = pgTable('orders', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  userId: bigint('user_id', { mode: 'number' }).notNull(),
});
