//! Swedish-aware full-text search: placeholder, being written.
