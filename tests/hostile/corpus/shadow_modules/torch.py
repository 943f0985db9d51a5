"""A module shipped beside the submission to shadow the real `torch` (never imported)."""

print("HOSTILE-LEAK: the shadow module", __name__, "was imported")
open("/tmp/hostile-shadow-imported", "w").close()
