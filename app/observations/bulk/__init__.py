"""Saving many observations at once, for imports (and the folders the seed and restores
load): `saver` checks a batch's rows by the same rules `editing` applies to one observation,
and decides which are new and which revise a stored one; `statements` writes the checked
batch, each step one statement (or COPY) for the whole batch."""
