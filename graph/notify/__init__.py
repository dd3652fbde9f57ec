"""Notifications in storage: the outbox written with the events it tells of
(:mod:`.outbox`), and its delivery by the mail worker (:mod:`.delivery`)."""
