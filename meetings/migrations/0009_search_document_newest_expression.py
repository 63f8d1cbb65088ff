"""On PostgreSQL, the index for walking the search rows newest first (ADR 0008).

It is on an expression of the date, `timezone('UTC', date)`, in the same order as the date,
that only the walk for a frequent query names (meetings/search.py, `_page_sql`). A query
that sorts by `date` cannot use it, so "newest first" on a rare word still asks the GIN index
instead of walking the dates and testing every row (ADR 0005). Not declared on the model,
like the vector itself; SQLite's search has no use for it. It replaces 0008's plain index.
"""

from django.db import migrations

CREATE = (
    "CREATE INDEX search_document_newest_utc ON meetings_searchdocument (timezone('UTC', date), id)"
)
DROP = "DROP INDEX IF EXISTS search_document_newest_utc"


def create_index(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_index(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0008_search_document_newest"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="searchdocument", name="search_document_newest"),
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
