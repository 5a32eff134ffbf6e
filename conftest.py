"""Repository-wide pytest settings.

In CI (CI=true) property tests replay a fixed set of examples: a landing must not depend on
what a random seed happened to find. Developers' runs keep exploring new examples.
"""

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

# Every process a test starts, and every engine a test builds, uses the chart's fixed database
# pools (DATABASE_POOL_SIZE, no overflow; crmkit.db.pool_limits): one suite keeps a session-long
# engine per service, and pools sized to 32 gRPC threads would together hold more idle
# connections than a default PostgreSQL (100) allows. A test about the code's own sizing unsets it.
os.environ.setdefault("DATABASE_POOL_SIZE", "8")
