"""Group courses (groepsopleidingen): a course for one OCMW with dated sessions, the clients their
file holders enrolled, and attendance per session on each client's timeline."""
