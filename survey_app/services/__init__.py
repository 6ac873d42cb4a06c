"""Domain operations with no HTTP in them, one package per part of the product (see ARCHITECTURE.md)."""
