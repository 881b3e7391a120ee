from subgraphs.common.migrations import run_env
from subgraphs.orders.models import Base

run_env(Base.metadata)
