"""Countries and country pairs: where the figures are, found without knowing the codes."""
