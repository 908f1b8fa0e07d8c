//! A PostgreSQL server as a [`Warehouse`](super::Warehouse).
