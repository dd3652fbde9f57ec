"""Analytics reads: referral events and presence reduced inside Neo4j to the plain
figures :mod:`analytics` works on (:mod:`.queries`, their Cypher in :mod:`.cypher`,
presence in :mod:`.presence`)."""
