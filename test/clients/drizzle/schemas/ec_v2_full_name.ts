// expand-contract migration A, as the schema then reads: full_name nullable and indexed
import { bigint, bigserial, index, pgTable, text } from 'drizzle-orm/pg-core';

export const users = pgTable('users', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  firstName: text('first_name').notNull(),
  lastName: text('last_name').notNull(),
  email: text('email'),
  fullName: text('full_name'),
}, (t) => [index('users_full_name_idx').on(t.fullName)]);

export const orders = pgTable('orders', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  userId: bigint('user_id', { mode: 'number' }).notNull(),
});
