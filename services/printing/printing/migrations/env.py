from crmkit.migrate import run_env
from printing.models import Base

run_env(Base.metadata)
