"""Episode media: masters stored by content hash, probed and checked against the
column's delivery specification (issue 6)."""
