"""The directory in storage: organizations, services, networks and their reads, and the
showcase records the demo prints for newcomers."""
