//! A Spark cluster, through Spark Connect, as a [`Warehouse`](super::Warehouse).
