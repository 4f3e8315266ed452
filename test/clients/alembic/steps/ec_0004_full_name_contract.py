"""full_name, expand-contract migration B: contract"""
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade():
    op.execute("SELECT migration_helpers.complete_migration('users_full_name')")


def downgrade():
    raise NotImplementedError("a completed migration is not undone")
