"""full_name: wait, NOT VALID check"""
from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"


def upgrade():
    op.execute("SELECT migration_helpers.backfill_wait(relation => 'users')")
    op.execute("ALTER TABLE users ADD CONSTRAINT users_full_name_nn CHECK (full_name IS NOT NULL) NOT VALID")


def downgrade():
    op.drop_constraint("users_full_name_nn", "users")
