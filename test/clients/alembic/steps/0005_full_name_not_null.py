"""full_name: validate, NOT NULL"""
from alembic import op
import sqlalchemy as sa

revision = "0005"
down_revision = "0004"


def upgrade():
    # VALIDATE in a later transaction than the NOT VALID check; SET NOT NULL is
    # then proven by the valid check and does not scan.
    op.execute("ALTER TABLE users VALIDATE CONSTRAINT users_full_name_nn")
    op.alter_column("users", "full_name", existing_type=sa.Text, nullable=False)
    op.drop_constraint("users_full_name_nn", "users")


def downgrade():
    op.alter_column("users", "full_name", existing_type=sa.Text, nullable=True)
