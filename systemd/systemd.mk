# systemd: build fragment (owner fills it in).
