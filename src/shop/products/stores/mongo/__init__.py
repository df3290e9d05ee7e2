"""The MongoDB store (PyMongo's async client): `store.MongoProductStore`."""
