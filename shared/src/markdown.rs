//! Safe Markdown for routine bodies: placeholder, being written.
