"""Repository-wide pytest settings.

In CI (CI=true) property tests replay a fixed set of examples: a landing must not depend on
what a random seed happened to find. Developers' runs keep exploring new examples.
"""

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
