"""Paper deep-reading, UI-free (pages in ``app/papers/``): a paper's structure from its PDF, a reading where every
statement carries its page and a quote the code has found on that page, cited Q&A, comparison.

- ``model``: what a paper's structure is (pages of positioned lines, sections, captions, references, citations).
- ``structure``: title, authors, abstract, headings and sections, captions, from the layout of
  ``workbench.documents.layout`` (reading order of two-column pages) and ``workbench.documents.ocr`` (scanned pages).
- ``references``: the references list split into entries and parsed into fields.
- ``citations``: in-text citations ("[2, 5-7]", "(Smith et al., 2020)") linked to the references list.
- ``quotes``: whether a quote occurs on a page (normal form, hyphenation and line breaks allowed).

Every refusal is a ``errors.PaperError`` whose words, en and zh, are in ``workbench/messages/papers.py``.
"""
