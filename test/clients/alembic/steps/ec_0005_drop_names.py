"""retire first_name and last_name: drop_column does nothing before contract, so one revision"""
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade():
    op.execute("SELECT migration_helpers.start_migration('users_drop_names')")
    op.execute("SELECT migration_helpers.drop_column('users_drop_names', 'users', 'first_name')")
    op.execute("SELECT migration_helpers.drop_column('users_drop_names', 'users', 'last_name')")
    op.execute("SELECT migration_helpers.complete_migration('users_drop_names')")


def downgrade():
    raise NotImplementedError("dropped columns are not restored")
