from crmkit.migrate import run_env
from marketing.models import Base

run_env(Base.metadata)
