"""One module per group of `oss-restore` commands."""
