import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine, pool

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name)

url = "postgresql+psycopg2://{user}@/{db}?host={host}&port={port}".format(
    user=os.environ["PGUSER"], db=os.environ["PGDATABASE"],
    host=os.environ.get("PGHOST", "/tmp"), port=os.environ.get("PGPORT", "5432"))


def run_migrations_online():
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        # One transaction per migration (Alembic's default is one for the whole
        # `upgrade`): a backfill started in one migration starts at its commit,
        # and backfill_wait() in the next one can then wait for it.
        # (ALEMBIC_ONE_TRANSACTION=1 restores the default, for the test of that trap.)
        context.configure(connection=connection, target_metadata=None,
                          transaction_per_migration=os.environ.get("ALEMBIC_ONE_TRANSACTION") != "1")
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
