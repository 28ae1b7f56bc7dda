# tests/bench: build fragment (owner fills it in).
