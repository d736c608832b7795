"""The dataset as a whole, shared by every resource: its data version (bumped by every
write), the catalog of metrics and sources read once per version, the revision history
behind as-of reads, the audit trail of writes, and its form as files."""
