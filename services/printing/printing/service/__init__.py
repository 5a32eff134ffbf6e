"""Use cases of the printing service: each checks the actor, works in one unit of work and answers
plain views (rows never leave a transaction)."""
