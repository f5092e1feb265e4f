"""What gateway/ and workbench/ both use and neither owns: the DuckDB file helper (``shared.database``).

It imports neither of them (nor app/ or launch): tests/test_architecture.py keeps it at the bottom.
"""
