# man: build fragment (owner fills it in).
