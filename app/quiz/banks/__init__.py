"""Question banks: file formats (GIFT, Aiken, XLSX, YAML), import with preview, editing
with versions, export. Blueprint `banks`."""
