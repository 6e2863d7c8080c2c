"""One blueprint per area; views read input, call a service, commit, and render or redirect."""
