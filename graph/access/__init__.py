"""Who is asking, in storage: users, roles and API tokens, web sessions, research
projects (their pseudonym keys), and the audit log of who did what."""
