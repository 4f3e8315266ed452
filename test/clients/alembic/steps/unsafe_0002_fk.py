"""orders.user_id references users"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"


def upgrade():
    op.create_foreign_key("orders_user_id_fkey", "orders", "users", ["user_id"], ["id"])
