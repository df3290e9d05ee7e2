"""The user service: accounts, authentication, addresses (REST 3001, gRPC 50053)."""
