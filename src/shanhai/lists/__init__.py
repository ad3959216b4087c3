"""The list kit: a declared spec per list (lists.spec), run and exported the same way (lists.run), and the
specs of the product's lists (lists.catalogue)."""
