"""Post-test and course evaluation: defined in content files, graded and kept on the server."""
