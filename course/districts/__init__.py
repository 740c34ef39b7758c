"""Districts: the pages of organisations that buy seats (the provider's organisation admin,
the district manager's view, and accepting an invite). They read progress, post-tests and
certificates, so they sit above those layers; the data and rules are campus.organisations."""
