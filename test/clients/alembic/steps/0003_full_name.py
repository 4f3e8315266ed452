"""full_name: add and backfill"""
from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0002"


def upgrade():
    op.add_column("users", sa.Column("full_name", sa.Text))
    # the job starts when this migration's transaction commits
    op.execute("SELECT migration_helpers.backfill('users', $$full_name = first_name || ' ' || last_name$$, batch_size => 50, min_batch_size => 50, max_batch_size => 50, pause => '200ms')")


def downgrade():
    op.drop_column("users", "full_name")
