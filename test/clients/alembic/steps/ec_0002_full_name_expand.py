"""full_name, expand-contract migration A: the helpers in plain SQL, in Alembic's transaction"""
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade():
    # the backfill and the index build start when this revision's transaction commits
    op.execute("SELECT migration_helpers.start_migration('users_full_name')")
    op.execute("SELECT migration_helpers.add_column('users_full_name', 'users', 'full_name', 'text', backfill_expr => $$first_name || ' ' || last_name$$)")
    op.execute("SELECT migration_helpers.add_not_null('users_full_name', 'users', 'full_name')")
    op.execute("SELECT migration_helpers.add_index('users_full_name', 'users', 'full_name', 'users_full_name_idx')")


def downgrade():
    # before the contract: every step undone (backfill cancelled, index build stopped, column dropped)
    op.execute("SELECT migration_helpers.abort_migration('users_full_name')")
