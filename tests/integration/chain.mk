# tests/integration/chain.mk: whole-chain tests (agents, aggregator, stratactl).
