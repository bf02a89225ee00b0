"""Alembic environment: runs on the connection handed over by `sdk.store.engine.upgrade`."""

from alembic import context

from decompte.sdk.store.schema import metadata

connection = context.config.attributes.get("connection")
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
