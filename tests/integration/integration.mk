# tests/integration: build fragment (owner fills it in).
