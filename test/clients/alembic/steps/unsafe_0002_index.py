"""index on users.email, as autogenerate writes it"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"


def upgrade():
    op.create_index("users_email_idx", "users", ["email"])
