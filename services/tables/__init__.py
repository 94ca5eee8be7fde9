"""Tables: partnership tables and other influence groups (see README.md in this folder)."""
