"""What a page of this app (the explorer) tells browsers it may load: the strictest policy
that still runs it. The server's security headers keep a policy a response sets itself."""

# Pages written for this app (the explorer): files and API calls to this server only, and
# nothing inline, styles included (its chart is SVG drawn by its script, not markup).
STRICT_PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
