"""The `oss-restore` command: restores archived OSS objects per bucket, locally or on CloudFlow."""
