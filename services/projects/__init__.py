"""Projects: see DOMAIN.md. Its full model arrives with its own issue."""
