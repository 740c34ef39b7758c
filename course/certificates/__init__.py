"""CE certificates: the checklist gate, frozen snapshots, PDF, verification, revocation."""
