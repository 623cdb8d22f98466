"""One construct per concern; `infra.stack.RestoreStack` composes them."""
