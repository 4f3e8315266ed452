"""index on users.email, concurrently"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"


def upgrade():
    # CREATE INDEX CONCURRENTLY cannot run in a transaction block: commit
    # Alembic's transaction around it.
    with op.get_context().autocommit_block():
        op.create_index("users_email_idx", "users", ["email"], postgresql_concurrently=True)


def downgrade():
    with op.get_context().autocommit_block():
        op.drop_index("users_email_idx", table_name="users", postgresql_concurrently=True)
