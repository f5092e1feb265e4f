"""The workbench UI: Gradio pages only (thin handlers; the work lives in gateway/ and workbench/)."""
