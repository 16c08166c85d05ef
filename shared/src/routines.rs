//! The routine library (rutiner): placeholder, being written.
