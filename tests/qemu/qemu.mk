# tests/qemu: build fragment (owner fills it in).
