"""The import/export pipeline shared by every entity (DAT-1).

- readers.py: xlsx (python-calamine) and CSV (UTF-8, UTF-8-BOM, GB18030), with size and
  zip-bomb guards;
- registry.py: entity adapters (columns, validation, bulk writes); customers register theirs in
  salesdesk/customers/imports.py;
- mapping.py: automatic column mapping from zh/en header names and aliases;
- services.py: import jobs (upload, preview, run, error report), all-or-nothing or partial;
- exporters.py: formula-escaped xlsx (XlsxWriter) and CSV (UTF-8-BOM) writers, streaming.
"""
