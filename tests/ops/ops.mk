# tests/ops: build fragment (owner fills it in).
