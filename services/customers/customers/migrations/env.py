from crmkit.migrate import run_env
from customers.models import Base

run_env(Base.metadata)
