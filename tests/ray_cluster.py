"""A local Ray for the tests of `claimex batch --engine ray`: 2 CPUs, on loopback only.

Run as `python tests/ray_cluster.py`: starts Ray, prints the address to join (GCS), and keeps it
up until its standard input closes; then shuts it down, which stops every process Ray started.
The caller's environment says how (RAY_AUTH_MODE, RAY_AUTH_TOKEN, RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER).
"""

from __future__ import annotations

import logging
import sys

import ray

if __name__ == "__main__":
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
    try:
        print(ray.get_runtime_context().gcs_address, flush=True)
        sys.stdin.read()
    finally:
        ray.shutdown()
