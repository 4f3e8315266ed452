"""full_name: wait, NOT VALID check"""
from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"


def upgrade():
    op.execute("SELECT migration_helpers.backfill_wait(relation => 'users')")
    op.create_check_constraint("users_full_name_nn", "users", "full_name IS NOT NULL", postgresql_not_valid=True)


def downgrade():
    op.drop_constraint("users_full_name_nn", "users")
