from coupons.models import Base
from crmkit.migrate import run_env

run_env(Base.metadata)
