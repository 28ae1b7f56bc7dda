# daemon: build fragment (owner fills it in).
