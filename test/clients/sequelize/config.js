// connection from the PG* environment: an ordinary role owning its database
const db = {
  dialect: 'postgres',
  host: process.env.PGHOST || '/tmp',
  port: Number(process.env.PGPORT || 5432),
  username: process.env.PGUSER,
  database: process.env.PGDATABASE,
  logging: false,
};
module.exports = { development: db, test: db, production: db };
