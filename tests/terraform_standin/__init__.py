"""A stand-in alicloud provider for running real Terraform core on the synthesized stacks, offline.

This is a test double, never shipped: it answers Terraform's provider plugin protocol (v6, through PyPI
`tf`'s handshake, TLS and gRPC server) with the resource schemas of `infra/schema/alicloud-provider-schema.json`
and keeps no cloud at all. What it models, and no more:

- the schema, as declared (attribute types as JSON type expressions, block nesting modes and item counts);
- plan: a computed attribute left unset is unknown; omitted lists/sets of nested blocks are empty, not null;
- apply: computed values are filled deterministically, ids and ARNs in the provider's formats;
- read: returns the stored state, except what the cloud reports itself (FC's CRC-64 `code_checksum`);
- validate: a value for a purely computed attribute is refused, as SDK providers refuse it.

It does not model the provider's validation functions, defaults, ForceNew, conflicts or any check the
cloud API makes (names taken, quotas, RAM semantics).

`harness.py` installs it into a filesystem mirror and runs `terraform` against it; `server.py` is the
plugin executable; `schema.py` and `lifecycle.py` hold the protocol-free parts.
"""
