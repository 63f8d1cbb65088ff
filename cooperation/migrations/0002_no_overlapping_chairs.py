"""Two chairs of one body with overlapping periods, refused by PostgreSQL itself.

An exclusion constraint over date ranges has no SQLite counterpart, so it is created only on
PostgreSQL; on SQLite the partial unique constraint on open-ended chairs and
Membership.clean() hold the rule.
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE cooperation_membership ADD CONSTRAINT no_overlapping_chairs
    EXCLUDE USING gist (body_id WITH =, daterange("start", "end", '[]') WITH &&)
    WHERE (role = 'chair');
"""
DROP = "ALTER TABLE cooperation_membership DROP CONSTRAINT IF EXISTS no_overlapping_chairs;"


def create(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("cooperation", "0001_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
