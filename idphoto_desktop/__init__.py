"""ID Photo Desktop: ID photos at the studio counter."""

import os

__version__ = "0.1.0"

# One OpenBLAS thread, unless the user's environment says otherwise. Set here, before
# anything of ours imports numpy: OpenBLAS starts a pool of busy-waiting threads at
# import, which cost an ``idphoto generate`` about 0.15 s of CPU (0.98 -> 0.83 s,
# median of 15, against the sandbox on 2 cores: the core the provider's sandbox or the
# window's own thread needed) and 48 ms of wall time, for nothing: our matrices are
# 3x3 transforms and point lists, far below OpenBLAS's threading threshold.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
