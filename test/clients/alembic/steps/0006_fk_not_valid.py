"""orders.user_id references users, NOT VALID"""
from alembic import op
import sqlalchemy as sa

revision = "0006"
down_revision = "0005"


def upgrade():
    # instant: checks new rows only; the old ones are validated in the next revision
    op.create_foreign_key("orders_user_id_fkey", "orders", "users", ["user_id"], ["id"], postgresql_not_valid=True)


def downgrade():
    op.drop_constraint("orders_user_id_fkey", "orders")
