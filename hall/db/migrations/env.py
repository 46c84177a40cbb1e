from alembic import context
from sqlalchemy import create_engine

from hall.db.tables import metadata

config = context.config


def run():
    connection = config.attributes.get("connection")
    if connection is None:  # the alembic command line
        engine = create_engine(config.get_main_option("sqlalchemy.url"))
        with engine.begin() as connection:
            context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
            context.run_migrations()
        return
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    context.run_migrations()


run()
