"""The printing tests: helpers in printing_testkit.py (this file puts the tests folder on the
import path); the service fixtures in service/conftest.py."""
