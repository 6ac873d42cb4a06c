"""Domain operations with no HTTP in them; each module holds one idea."""
