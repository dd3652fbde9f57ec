"""Referrals in storage: the commands that move them (:mod:`.commands`), the events they
write (:mod:`.events`) and the feeds subscribers follow (:mod:`.feed`), the reads
(:mod:`.reads`, :mod:`.conditions`), the deadline sweep and one-click response links."""
