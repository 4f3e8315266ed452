"""validate orders_user_id_fkey"""
from alembic import op
import sqlalchemy as sa

revision = "0007"
down_revision = "0006"


def upgrade():
    # its own transaction: SHARE UPDATE EXCLUSIVE, writes go on while it scans
    op.execute("ALTER TABLE orders VALIDATE CONSTRAINT orders_user_id_fkey")


def downgrade():
    pass
