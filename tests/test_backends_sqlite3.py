"""The SQLite backend converts Django's placeholders as Django's own does, only faster."""

import sqlite3

import pytest
from django.db import connection
from django.db.backends.sqlite3.base import SQLiteCursorWrapper as DjangoCursor
from hypothesis import example, given
from hypothesis import strategies as st

from helpdesk.backends.sqlite3.base import SQLiteCursorWrapper

# Statements made of the characters that matter: percent signs, the s after them, quotes.
statements = st.text(alphabet="%s?' a(),", max_size=60)
_memory = sqlite3.connect(":memory:")
ours, djangos = _memory.cursor(factory=SQLiteCursorWrapper), _memory.cursor(factory=DjangoCursor)


@given(statements)
@example("SELECT 1 WHERE a LIKE '%%s' AND b = %s")
@example("VALUES (%s, %s), (%s, %%%s)")
def test_a_statement_is_converted_as_django_converts_it(query):
    assert ours.convert_query(query) == djangos.convert_query(query)


def test_named_placeholders_go_djangos_way():
    query = "SELECT %(a)s, %(b)s"
    assert ours.convert_query(query, param_names=["a", "b"]) == "SELECT :a, :b"


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="the backend of SQLite only")
def test_the_product_runs_on_it_with_percent_signs_kept():
    with connection.cursor() as cursor:
        assert isinstance(cursor.cursor, SQLiteCursorWrapper)
        cursor.execute("SELECT %s, '100%%', %s", ["a", 2])
        assert cursor.fetchone() == ("a", "100%", 2)
