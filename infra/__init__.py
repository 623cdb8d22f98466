"""CDKTF infrastructure of oss-restore: one `RestoreStack` per (environment, region) of `environments.yaml`."""
