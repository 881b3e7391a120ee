from subgraphs.common.migrations import run_env
from subgraphs.delivery.models import Base

run_env(Base.metadata)
