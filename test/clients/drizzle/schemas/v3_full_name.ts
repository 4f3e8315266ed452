// + full_name, nullable while it is backfilled
import { bigint, bigserial, index, pgTable, text } from 'drizzle-orm/pg-core';

export const users = pgTable('users', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  firstName: text('first_name').notNull(),
  lastName: text('last_name').notNull(),
  email: text('email'),
  fullName: text('full_name'),
}, (t) => [index('users_email_idx').on(t.email)]);

export const orders = pgTable('orders', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  userId: bigint('user_id', { mode: 'number' }).notNull(),
});
