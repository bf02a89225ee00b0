"""deadline notices: what the deadline sweep reported, once per crossing

Revision ID: 0002_deadline_notices
Revises: 0001_initial
"""

from alembic import op
import sqlalchemy as sa


revision = '0002_deadline_notices'
down_revision = '0001_initial'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('deadline_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('piece_id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('since', sa.Date(), nullable=False),
    sa.Column('due', sa.Date(), nullable=False),
    sa.Column('noticed_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], ),
    sa.ForeignKeyConstraint(['piece_id'], ['pieces.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'piece_id', 'since', name='uq_deadline_notice')
    )
    with op.batch_alter_table('deadline_notices', schema=None) as batch_op:
        batch_op.create_index('ix_deadline_notices_dossier', ['dossier_id', 'kind', 'since'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('deadline_notices', schema=None) as batch_op:
        batch_op.drop_index('ix_deadline_notices_dossier')

    op.drop_table('deadline_notices')
