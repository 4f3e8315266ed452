"""rename users.email to mail, accepting the risk (the application reads neither yet)"""
from alembic import op
import sqlalchemy as sa

revision = "0008"
down_revision = "0007"


def upgrade():
    # SET LOCAL: for this revision's transaction only (transaction_per_migration);
    # the guard logs the statement it lets through in migration_helpers.ddl_log
    op.execute("SET LOCAL migration_helpers.allow = 'rename_column'")
    op.alter_column("users", "email", new_column_name="mail")


def downgrade():
    op.execute("SET LOCAL migration_helpers.allow = 'rename_column'")
    op.alter_column("users", "mail", new_column_name="email")
