# clients: build fragment (owner fills it in).
