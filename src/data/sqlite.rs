//! SQLite data (to be written).
